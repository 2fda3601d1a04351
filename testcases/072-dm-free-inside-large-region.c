//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! region allocated at line ??{[0-9]+}=aline??
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???072-dm-free-inside-large-region.c:??line??: invalid free of pointer ??ptr??, not allocated
//!   ???072-dm-free-inside-large-region.c:??aline??: ??ptr?? is 4096 bytes inside a 1048576 byte region allocated here

/* Freeing a pointer 4096 bytes into a live 1 MiB block, which the allocator underneath maps on its own: the region line must still find it. Catches a region search that looks only at small blocks or at blocks near the pointer's page. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char *small = malloc(10);
    int aline = __LINE__ + 1;
    char *p = malloc(1 << 20);
    CHECK(small && p);
    printf("region allocated at line %d\n", aline);
    HL_SAY("freeing", p + 4096);
    free(p + 4096);
    printf("the program went on after the bug\n");
    return 0;
}
