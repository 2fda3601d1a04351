//@ category: stress
//@ points: 2
//@ timeout: 20
//@ mode: static preload
//! ok: 100000 random reallocs over 1000 blocks (1 B .. 16 KiB, some 1 MiB), contents kept
//! ok: 1000 blocks freed, patterns intact

/* Random reallocs over a thousand live blocks: growing, shrinking, in place and moving, in
 * every order. realloc has the most cases of any allocator function (shrink in place, grow
 * into a free neighbour, grow at the heap's end, move, move between size classes, to and from
 * a dedicated mapping) and each must keep exactly min(old, new) bytes. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define N   1000
#define OPS 100000

static void *blocks[N];
static size_t sizes[N];

static size_t random_size(uint64_t *rng) {
    if (hl_rand(rng) % 1000 == 0) return (1u << 20) + hl_rand(rng) % 4096;
    int bits = (int)(hl_rand(rng) % 15); /* log-uniform up to 16 KiB */
    return 1 + hl_rand(rng) % ((size_t)1 << bits);
}

int main(void) {
    uint64_t rng = 30;
    for (int i = 0; i < N; i++) {
        sizes[i] = random_size(&rng);
        blocks[i] = hl_malloc(sizes[i], (uint64_t)i);
    }
    for (int op = 0; op < OPS; op++) {
        int i = (int)(hl_rand(&rng) % N);
        size_t to = random_size(&rng);
        hl_live_remove(blocks[i]);
        void *q = realloc(blocks[i], to);
        CHECK_MSG(q != NULL, "realloc(%zu -> %zu) returned NULL", sizes[i], to);
        size_t keep = to < sizes[i] ? to : sizes[i];
        CHECK_MSG(hl_verify(q, keep, (uint64_t)i), "realloc %zu -> %zu: byte %zu changed", sizes[i],
                  to, hl_first_mismatch(q, keep, (uint64_t)i));
        hl_live_add(q, to, 1);
        if (to > sizes[i]) hl_fill(q, to, (uint64_t)i);
        blocks[i] = q;
        sizes[i] = to;
    }
    printf("ok: %d random reallocs over %d blocks (1 B .. 16 KiB, some 1 MiB), contents kept\n",
           OPS, N);
    for (int i = 0; i < N; i++) hl_free(blocks[i], sizes[i], (uint64_t)i);
    printf("ok: %d blocks freed, patterns intact\n", N);
    return 0;
}
