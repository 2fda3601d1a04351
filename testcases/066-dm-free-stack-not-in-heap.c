//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???066-dm-free-stack-not-in-heap.c:??line??: invalid free of pointer ??ptr??, not in heap

/* Freeing a pointer to a local variable (CS61 test017): outside every payload byte ever handed out, so "not in heap", then abort. Catches a debugging allocator that trusts the header in front of any pointer. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    void *keep = malloc(100);
    CHECK(keep != NULL);
    int local[4] = {0};
    HL_SAY("freeing", &local[1]);
    free(&local[1]);
    printf("the program went on after the bug\n");
    return 0;
}
