//@ category: boundary
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???081-dm-wild-write-after-end.c:??line??: detected wild write during free of pointer ??ptr??

/* One byte written just past the end of a block (CS61 test025, the classic off-by-one): free must detect the changed canary and report a wild write, then abort. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    char *p = malloc(30);
    CHECK(p != NULL);
    memset(p, 0x41, 31);
    HL_SAY("freeing", p);
    free(p);
    printf("the program went on after the bug\n");
    return 0;
}
