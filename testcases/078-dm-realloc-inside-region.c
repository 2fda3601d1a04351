//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! region allocated at line ??{[0-9]+}=aline??
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???078-dm-realloc-inside-region.c:??line??: invalid realloc of pointer ??ptr??, not allocated
//!   ???078-dm-realloc-inside-region.c:??aline??: ??ptr?? is 24 bytes inside a 512 byte region allocated here

/* realloc of a pointer 24 bytes into a live block: "invalid realloc of pointer ..., not allocated" and the region line. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    int aline = __LINE__ + 1;
    char *p = malloc(512);
    CHECK(p != NULL);
    printf("region allocated at line %d\n", aline);
    HL_SAY("reallocating", p + 24);
    char *b = realloc(p + 24, 1000);
    printf("realloc returned %p\n", (void *)b);
    printf("the program went on after the bug\n");
    return 0;
}
