//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???077-dm-realloc-not-in-heap.c:??line??: invalid realloc of pointer ??ptr??, not in heap

/* realloc of a pointer to a local variable: "invalid realloc of pointer ..., not in heap" and abort, before any byte is copied from it. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char *keep = malloc(40);
    CHECK(keep != NULL);
    char local[32] = {0};
    HL_SAY("reallocating", local);
    char *b = realloc(local, 100);
    printf("realloc returned %p\n", (void *)b);
    printf("the program went on after the bug\n");
    return 0;
}
