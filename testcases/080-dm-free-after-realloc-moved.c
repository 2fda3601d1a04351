//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! old pointer ??{0x[0-9a-f]+}=ptr??, new one ??{0x[0-9a-f]+}??
//! freeing the old pointer at line ??{[0-9]+}=line??
//! MEMORY BUG: ???080-dm-free-after-realloc-moved.c:??line??: invalid free of pointer ??ptr??, double free

/* Freeing the old pointer after a realloc moved the block (not in CS61's public suite): realloc freed it, so this is a double free. Catches a realloc that copies without freeing (the stale pointer would still be live) or that frees without recording it. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char *p = malloc(16), *keep = malloc(16);
    CHECK(p && keep);
    char *q = realloc(p, 100000);
    CHECK(q != NULL && q != p);
    printf("old pointer %p, new one %p\n", (void *)p, (void *)q);
    printf("freeing the old pointer at line %d\n", __LINE__ + 1);
    free(p);
    printf("the program went on after the bug\n");
    return 0;
}
