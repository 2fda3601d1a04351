//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???071-dm-free-interior-of-freed.c:??line??: invalid free of pointer ??ptr??, not allocated

/* Freeing a pointer 16 bytes into a block that was already freed (not in CS61's public suite): the pointer is in the heap but is neither a block nor inside a live one, so "not allocated" and no region line. Catches a layer that reports a region that is no longer allocated, or calls it a double free. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char *keep = malloc(64), *p = malloc(64), *keep2 = malloc(64);
    CHECK(keep && p && keep2);
    free(p);
    HL_SAY("freeing", p + 16);
    free(p + 16);
    printf("the program went on after the bug\n");
    return 0;
}
