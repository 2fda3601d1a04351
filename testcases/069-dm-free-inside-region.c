//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! region ??{0x[0-9a-f]+}=base?? allocated at line ??{[0-9]+}=aline??
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???069-dm-free-inside-region.c:??line??: invalid free of pointer ??ptr??, not allocated
//!   ???069-dm-free-inside-region.c:??aline??: ??ptr?? is 8 bytes inside a 100 byte region allocated here

/* Freeing a pointer 8 bytes into a live block (CS61 test019, test020): "not allocated", then the second line naming the region it falls in, its offset, the region's size and the line that allocated it. Catches a missing second line, a wrong offset, and a region reported from the wrong allocation. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char *other = malloc(300);
    int aline = __LINE__ + 1;
    char *p = malloc(100);
    CHECK(other && p);
    printf("region %p allocated at line %d\n", (void *)p, aline);
    HL_SAY("freeing", p + 8);
    free(p + 8);
    printf("the program went on after the bug\n");
    return 0;
}
