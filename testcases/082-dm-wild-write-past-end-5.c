//@ category: boundary
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???082-dm-wild-write-past-end-5.c:??line??: detected wild write during free of pointer ??ptr??

/* One byte written 5 bytes past the end of a block, leaving the bytes just after the end alone: a canary of a single byte after the payload misses it; a canary of a word or more catches it. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    char *p = malloc(40);
    CHECK(p != NULL);
    p[40 + 5] = 0x17;
    HL_SAY("freeing", p);
    free(p);
    printf("the program went on after the bug\n");
    return 0;
}
