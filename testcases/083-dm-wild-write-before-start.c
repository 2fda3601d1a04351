//@ category: boundary
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???083-dm-wild-write-before-start.c:??line??: detected wild write during free of pointer ??ptr??

/* One byte written just before the start of a block (an underflow, p[-1]; not in CS61's public suite): a debugging allocator with a canary only after the payload, or metadata it does not check, misses it. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    char *keep = malloc(64), *p = malloc(64);
    CHECK(keep && p);
    p[-1] ^= 0x5a;
    HL_SAY("freeing", p);
    free(p);
    printf("the program went on after the bug\n");
    return 0;
}
