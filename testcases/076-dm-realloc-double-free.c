//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???076-dm-realloc-double-free.c:??line??: invalid realloc of pointer ??ptr??, double free

/* realloc of a block already freed (not in CS61's public suite): the same check as free, with "invalid realloc of pointer" in the message (docs/dmalloc.md). Catches a realloc that copies out of freed memory, and a message that says free. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char *a = malloc(40), *keep = malloc(40);
    CHECK(a && keep);
    free(a);
    HL_SAY("reallocating", a);
    char *b = realloc(a, 100);
    printf("realloc returned %p\n", (void *)b);
    printf("the program went on after the bug\n");
    return 0;
}
