//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! region allocated at line ??{[0-9]+}=aline??
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???070-dm-free-inside-calloc-region.c:??line??: invalid free of pointer ??ptr??, not allocated
//!   ???070-dm-free-inside-calloc-region.c:??aline??: ??ptr?? is 127 bytes inside a 256 byte region allocated here

/* Freeing a pointer 127 bytes into a live calloc'd block of 16 x 16 bytes: "not allocated" and the region line, with the calloc's line and the product as the region's size (a calloc that records only one factor, or the line of an inner call, shows here). */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    int aline = __LINE__ + 1;
    char *p = calloc(16, 16);
    CHECK(p != NULL);
    printf("region allocated at line %d\n", aline);
    HL_SAY("freeing", p + 127);
    free(p + 127);
    printf("the program went on after the bug\n");
    return 0;
}
