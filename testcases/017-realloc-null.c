//@ category: realloc
//@ points: 1
//@ timeout: 10
//@ mode: static preload
//! ok: realloc(NULL, n) for 2000 sizes: usable, no overlap, freeable
//! ok: realloc(NULL, 0) accepted
//! ok: blocks from realloc(NULL, n) grown, shrunk and freed

/* realloc(NULL, n) is malloc(n) (C11 7.22.3.5). Programs rely on it to grow a buffer that
 * starts out empty, so an allocator that dereferences the NULL to read a header, or returns
 * NULL because "there is nothing to reallocate", breaks them at their first append. The
 * blocks must then behave like any other: be reallocated again and freed. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define N 2000

static void *blocks[N];
static size_t sizes[N];

int main(void) {
    uint64_t rng = 17;
    for (int i = 0; i < N; i++) {
        sizes[i] = i < 1000 ? (size_t)i + 1 : 1 + hl_rand(&rng) % (i % 50 ? 8000 : 500000);
        blocks[i] = realloc(NULL, sizes[i]);
        CHECK_MSG(blocks[i] != NULL, "realloc(NULL, %zu) returned NULL", sizes[i]);
        hl_live_add(blocks[i], sizes[i], 1);
        hl_fill(blocks[i], sizes[i], (uint64_t)i);
    }
    for (int i = 0; i < N; i++) CHECK(hl_verify(blocks[i], sizes[i], (uint64_t)i));
    printf("ok: realloc(NULL, n) for %d sizes: usable, no overlap, freeable\n", N);

    void *z = realloc(NULL, 0);
    if (z) {
        hl_live_add(z, 0, 1);
        hl_live_remove(z);
        free(z);
    }
    printf("ok: realloc(NULL, 0) accepted\n");

    for (int i = 0; i < N; i++) {
        size_t to = i % 2 ? sizes[i] * 2 : sizes[i] / 2 + 1;
        hl_live_remove(blocks[i]);
        void *q = realloc(blocks[i], to);
        CHECK_MSG(q != NULL, "realloc(p, %zu) returned NULL", to);
        size_t keep = to < sizes[i] ? to : sizes[i];
        CHECK_MSG(hl_verify(q, keep, (uint64_t)i), "realloc %zu -> %zu lost byte %zu", sizes[i], to,
                  hl_first_mismatch(q, keep, (uint64_t)i));
        hl_live_add(q, to, 1);
        blocks[i] = q;
    }
    for (int i = 0; i < N; i++) {
        hl_live_remove(blocks[i]);
        free(blocks[i]);
    }
    printf("ok: blocks from realloc(NULL, n) grown, shrunk and freed\n");
    return 0;
}
