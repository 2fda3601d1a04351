//@ category: realloc
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! ok: fixed chain of 26 sizes (1 B .. 32 MiB .. 1 B): contents kept at every step
//! ok: 8 random chains of 100 steps (1 B .. 2 MiB): contents kept at every step

/* One block reallocated through a long chain of sizes: small to large (past any mmap
 * threshold) and back to small, with every step checked. Moving between an allocator's
 * regimes (size classes, the general heap, dedicated mappings) is where realloc copies too
 * much or too little, or frees the old block from the wrong pool. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

static const size_t chain[] = {
    1,   16, 100, 1000, 4096,  100000, 200000, 1 << 20, 4 << 20, 32 << 20, 1 << 20, 100000, 5000,
    100, 10, 1,   17,   50000, 3,      140000, 131072,  131071,  8,        5000000, 4,      1};
#define NCHAIN (sizeof chain / sizeof chain[0])

static void *step(void *p, size_t from, size_t to, uint64_t seed) {
    if (p) hl_live_remove(p);
    void *q = realloc(p, to);
    CHECK_MSG(q != NULL, "realloc(%zu -> %zu) returned NULL", from, to);
    size_t keep = from < to ? from : to;
    CHECK_MSG(hl_verify(q, keep, seed), "realloc %zu -> %zu: byte %zu of the kept part changed",
              from, to, hl_first_mismatch(q, keep, seed));
    hl_live_add(q, to, 1);
    hl_fill(q, to, seed);
    return q;
}

int main(void) {
    void *p = NULL;
    size_t size = 0;
    void *fence = hl_malloc(100, 99);
    for (size_t i = 0; i < NCHAIN; i++) {
        p = step(p, size, chain[i], 1);
        size = chain[i];
    }
    hl_free(p, size, 1);
    printf("ok: fixed chain of %zu sizes (1 B .. 32 MiB .. 1 B): contents kept at every step\n",
           NCHAIN);

    uint64_t rng = 20;
    void *ps[8] = {0};
    size_t sz[8] = {0};
    for (int s = 0; s < 100; s++) {
        for (int c = 0; c < 8; c++) {
            /* log-uniform sizes: as many small steps as large ones */
            int bits = (int)(hl_rand(&rng) % 22);
            size_t to = 1 + hl_rand(&rng) % ((size_t)1 << bits);
            ps[c] = step(ps[c], sz[c], to, 10 + (uint64_t)c);
            sz[c] = to;
        }
    }
    for (int c = 0; c < 8; c++) hl_free(ps[c], sz[c], 10 + (uint64_t)c);
    hl_free(fence, 100, 99);
    printf("ok: 8 random chains of 100 steps (1 B .. 2 MiB): contents kept at every step\n");
    return 0;
}
