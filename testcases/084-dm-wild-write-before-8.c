//@ category: boundary
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???084-dm-wild-write-before-8.c:??line??: detected wild write during free of pointer ??ptr??

/* A word written 8 bytes before a block (a negative index on a long array; not in CS61's public suite): the word in front of the payload must be checked too. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    long *keep = malloc(64), *p = malloc(10 * sizeof(long));
    CHECK(keep && p);
    p[-1] = 12345;
    HL_SAY("freeing", p);
    free(p);
    printf("the program went on after the bug\n");
    return 0;
}
