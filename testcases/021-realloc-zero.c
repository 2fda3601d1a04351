//@ category: realloc
//@ points: 1
//@ timeout: 10
//@ mode: static preload
//! ok: realloc(p, 0) for 100000 blocks: NULL or a unique freeable pointer
//! ok: no leak: the footprint grew by less than 16 MiB
//! ok: live blocks intact

/* realloc(p, 0) is one of the choices the C standard leaves open: it may free p and return
 * NULL (glibc), or return a pointer to a zero-size block that must later be freed (C89, BSD).
 * Both are accepted. What is not: crashing, returning p's old block while also freeing it
 * (the next allocation overlaps it), or returning NULL without freeing p, which leaks; the
 * leak shows as footprint growth over 100000 calls on 1000-byte blocks. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define KEEP 100

static void *kept[KEEP];

int main(void) {
    for (int i = 0; i < KEEP; i++) kept[i] = hl_malloc(50 + (size_t)i, (uint64_t)i);
    /* Warm up, then measure. */
    for (int i = 0; i < 1000; i++) free(realloc(malloc(1000), 0));
    size_t before = hl_footprint();
    for (int i = 0; i < 100000; i++) {
        size_t n = 1000 + (size_t)(i % 7) * 16;
        void *p = hl_malloc(n, 500);
        hl_live_remove(p);
        void *q = realloc(p, 0);
        if (q) {
            hl_live_add(q, 0, 1);         /* must not overlap any live block */
            void *r = hl_malloc(16, 501); /* nor be handed out again while live */
            hl_free(r, 16, 501);
            hl_live_remove(q);
            free(q);
        }
    }
    size_t after = hl_footprint();
    printf("ok: realloc(p, 0) for 100000 blocks: NULL or a unique freeable pointer\n");
    CHECK_MSG(after < before + (16u << 20),
              "footprint grew by %zu KiB over 100000 realloc(p, 0): the blocks leak",
              (after - before) >> 10);
    printf("ok: no leak: the footprint grew by less than 16 MiB\n");
    for (int i = 0; i < KEEP; i++) hl_free(kept[i], 50 + (size_t)i, (uint64_t)i);
    printf("ok: live blocks intact\n");
    return 0;
}
