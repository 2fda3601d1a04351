//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???067-dm-double-free.c:??line??: invalid free of pointer ??ptr??, double free

/* Freeing a block twice (CS61 test018): the second free must say "double free" with the line of the second call and abort before the allocator underneath sees the pointer again. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char *a = malloc(50), *b = malloc(50);
    CHECK(a && b);
    free(a);
    HL_SAY("freeing again", a);
    free(a);
    printf("the program went on after the bug\n");
    return 0;
}
