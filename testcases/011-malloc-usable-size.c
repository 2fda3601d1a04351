//@ category: alignment
//@ points: 1
//@ timeout: 10
//@ mode: static preload
//@ needs: aligned
//! ok: malloc_usable_size(NULL) = 0
//! ok: 3000 blocks: usable size >= requested, whole usable range writable, no overlap
//! ok: after realloc and memalign too

/* Programs call malloc_usable_size to use the slack at the end of a block (many string
 * builders and some language runtimes do). It must be at least the requested size, and all
 * of the usable bytes must belong to the block: each block is entered in the live set with
 * its usable size and filled to its end, so a usable size that reaches into a neighbour or
 * into the allocator's next header fails. */
#include "test_runtime.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#define N 3000

static void *blocks[N];
static size_t usable[N];

static void take(int i, void *p, size_t asked, size_t align) {
    CHECK_MSG(p != NULL, "allocation of %zu bytes returned NULL", asked);
    size_t u = malloc_usable_size(p);
    CHECK_MSG(u >= asked, "malloc_usable_size = %zu for a block of %zu bytes", u, asked);
    CHECK_MSG(u <= asked + (1u << 20) + 4096,
              "malloc_usable_size = %zu for a block of %zu bytes: not plausible", u, asked);
    hl_live_add(p, u, align);
    hl_fill(p, u, (uint64_t)i);
    blocks[i] = p;
    usable[i] = u;
}

static void drop(int i) {
    CHECK_MSG(hl_verify(blocks[i], usable[i], (uint64_t)i),
              "block %d: byte %zu of its %zu usable bytes changed", i,
              hl_first_mismatch(blocks[i], usable[i], (uint64_t)i), usable[i]);
    hl_live_remove(blocks[i]);
}

int main(void) {
    CHECK(malloc_usable_size(NULL) == 0);
    printf("ok: malloc_usable_size(NULL) = 0\n");

    uint64_t rng = 11;
    for (int i = 0; i < N; i++) {
        size_t n = i < 2000 ? (size_t)i : hl_rand(&rng) % (i % 20 ? 5000 : 300000);
        void *p = malloc(n);
        if (n == 0 && p == NULL) p = malloc(1), n = 1;
        take(i, p, n, 1);
    }
    for (int i = 0; i < N; i++) CHECK(hl_verify(blocks[i], usable[i], (uint64_t)i));
    printf("ok: %d blocks: usable size >= requested, whole usable range writable, no overlap\n", N);

    for (int i = 0; i < N; i += 2) {
        drop(i);
        size_t n = hl_rand(&rng) % 3000 + 1;
        void *q = realloc(blocks[i], n);
        take(i, q, n, 1);
    }
    for (int i = 1; i < N; i += 4) {
        drop(i);
        free(blocks[i]);
        size_t align = (size_t)64 << (i % 8);
        take(i, memalign(align, (size_t)i), (size_t)i, align);
    }
    for (int i = 0; i < N; i++) {
        drop(i);
        free(blocks[i]);
    }
    CHECK(hl_live_count() == 0);
    printf("ok: after realloc and memalign too\n");
    return 0;
}
