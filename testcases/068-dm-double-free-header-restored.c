//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???068-dm-double-free-header-restored.c:??line??: invalid free of pointer ??ptr??, double free

/* A double free after the program copied the block's old header back over the freed block (CS61 test023 style): the bytes in front of the pointer look exactly like a live block's, so a debugging allocator that keeps its only record of a block's state in the block itself is fooled and frees it twice. Its state must live elsewhere. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char *keep = malloc(80), *a = malloc(200);
    CHECK(keep && a);
    char saved[96];
    memcpy(saved, a - 64, sizeof saved);
    free(a);
    memcpy(a - 64, saved, sizeof saved);
    HL_SAY("freeing again", a);
    free(a);
    printf("the program went on after the bug\n");
    return 0;
}
