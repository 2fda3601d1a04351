//@ category: heap-report
//@ points: 1
//@ timeout: 10
//@ mode: static
//@ needs: heap-report
//! ok: alloc_check_heap holds before the damage
//! ??{alloc_check_heap: .+}??
//! ok: a freed block's links overwritten: alloc_check_heap returned 0 and said why

/* The check must find damage, not only bless a healthy heap: the first 16 bytes of a freed
 * block (where allocators keep their free-list links) are overwritten with a pointer into the
 * middle of nowhere; alloc_check_heap() must return 0 after printing one line on what broke.
 * The program then leaves with _exit, since the heap is no longer fit to use. */
#include "alloc.h"
#include "test_runtime.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    void *keep = malloc(48);
    void *p = malloc(48);
    void *q = malloc(48);
    CHECK(keep && p && q);
    CHECK(alloc_check_heap());
    printf("ok: alloc_check_heap holds before the damage\n");
    fflush(stdout);
    free(q);
    free(p);
    uintptr_t junk[2] = {(uintptr_t)0x4141414141414140u, (uintptr_t)0x4141414141414140u};
    memcpy(p, junk, sizeof junk); /* a use after free, on purpose */
    int ok = alloc_check_heap();
    if (ok)
        printf("FAIL: alloc_check_heap returned %d on a damaged heap\n", ok);
    else
        printf("ok: a freed block's links overwritten: alloc_check_heap returned 0 and said why\n");
    fflush(stdout);
    _exit(0);
}
