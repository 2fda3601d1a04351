//@ category: boundary
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???088-dm-wild-write-calloc.c:??line??: detected wild write during free of pointer ??ptr??

/* A calloc(10, 10) block written 3 bytes past its 100 bytes: the canary must sit after nmemb * size bytes. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    char *p = calloc(10, 10);
    CHECK(p != NULL);
    p[103] = 9;
    HL_SAY("freeing", p);
    free(p);
    printf("the program went on after the bug\n");
    return 0;
}
