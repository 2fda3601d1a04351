//@ category: boundary
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???086-dm-wild-write-after-realloc.c:??line??: detected wild write during free of pointer ??ptr??

/* A block shrunk by realloc and then written at its old length (not in CS61's public suite): the canary must follow the new size, so writing past the new end is caught. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    char *p = malloc(100);
    CHECK(p != NULL);
    char *q = realloc(p, 20);
    CHECK(q != NULL);
    q[20] = 1;
    HL_SAY("freeing", q);
    free(q);
    printf("the program went on after the bug\n");
    return 0;
}
