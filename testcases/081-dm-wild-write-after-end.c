//@ category: boundary
//@ needs: dmalloc
//@ exit: abort
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???081-dm-wild-write-after-end.c:??line??: detected wild write during free of pointer ??ptr??

/* One byte written just past the end of a block (CS61 test025, the classic off-by-one): free must detect the changed canary and report a wild write, then abort. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>

/* Prints the pointer and the line of the call that follows. */
#define SAY(what, p) printf("%s %p at line %d\n", what, (void *)(p), __LINE__ + 1)

int main(void) {
    char *p = malloc(30);
    CHECK(p != NULL);
    memset(p, 0x41, 31);
    SAY("freeing", p);
    free(p);
    printf("the program went on after the bug\n");
    return 0;
}
