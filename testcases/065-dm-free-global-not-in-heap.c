//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???065-dm-free-global-not-in-heap.c:??line??: invalid free of pointer ??ptr??, not in heap

/* Freeing the address of a global (CS61 test016): it lies below every payload the allocator handed out, so free must report "not in heap" and abort, never pass it to the allocator underneath. Catches a debugging allocator that trusts the metadata in front of any pointer. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int global_buffer[64];

int main(void) {
    void *keep = malloc(100);
    CHECK(keep != NULL);
    HL_SAY("freeing", &global_buffer[8]);
    free(&global_buffer[8]);
    printf("the program went on after the bug\n");
    return 0;
}
