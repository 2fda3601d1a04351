//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! region allocated at line ??{[0-9]+}=aline??
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???079-dm-free-forged-header.c:??line??: invalid free of pointer ??ptr??, not allocated
//!   ???079-dm-free-forged-header.c:??aline??: ??ptr?? is 128 bytes inside a 1000 byte region allocated here

/* A forged block: the program copies the 64 bytes in front of a live block (its metadata and canary) to 128 bytes into the block, then frees that address (CS61 test024 style). The bytes in front look valid, but the address was never handed out: "not allocated" and the region line. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char *keep = malloc(100);
    int aline = __LINE__ + 1;
    char *p = malloc(1000);
    CHECK(keep && p);
    printf("region allocated at line %d\n", aline);
    memcpy(p + 128 - 64, p - 64, 64);
    HL_SAY("freeing", p + 128);
    free(p + 128);
    printf("the program went on after the bug\n");
    return 0;
}
