//@ category: footprint
//@ points: 2
//@ timeout: 10
//@ mode: static
//! ok: 2500 x 512 bytes freed, then 5000 x 240 bytes: no growth beyond 256 KiB
//! ok: those freed, then 625 x 2000 bytes: no growth beyond 256 KiB
//! ok: those freed, then 10000 x 100 bytes: no growth beyond 256 KiB

/* Freed memory must be reusable for other sizes, not only for the size it was freed at.
 * The program's needs change shape: 1.25 MB in 512-byte blocks, then the same in 240-byte
 * blocks (which must be split from the freed ones), then 2000-byte blocks (which must be
 * coalesced from the freed 240-byte ones), then 100-byte blocks. An allocator whose size
 * classes keep their pages forever needs fresh memory for each shape and grows by about
 * 1.25 MB each time. Blocks are freed in a random order, so coalescing meets every case. The
 * sizes are small enough for an allocator with a linear first-fit search: speed is not graded
 * here. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define MAXN 10000

static void *blocks[MAXN];
static int order[MAXN];

static void fill(int n, size_t size, uint64_t seed) {
    for (int i = 0; i < n; i++) blocks[i] = hl_malloc(size, seed + (uint64_t)i);
}

static void drain(int n, size_t size, uint64_t seed, uint64_t *rng) {
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(hl_rand(rng) % (uint64_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int k = 0; k < n; k++) hl_free(blocks[order[k]], size, seed + (uint64_t)order[k]);
}

int main(void) {
    uint64_t rng = 43;
    /* Give the live set room for 10000 blocks first: its nodes count in the footprint. */
    fill(MAXN, 8, 0);
    drain(MAXN, 8, 0, &rng);

    fill(2500, 512, 1);
    size_t peak = hl_footprint();
    drain(2500, 512, 1, &rng);
    fill(5000, 240, 2);
    size_t now = hl_footprint();
    CHECK_MSG(now <= peak + (256u << 10), "240-byte blocks: footprint %zu KiB -> %zu KiB",
              peak >> 10, now >> 10);
    printf("ok: 2500 x 512 bytes freed, then 5000 x 240 bytes: no growth beyond 256 KiB\n");

    drain(5000, 240, 2, &rng);
    fill(625, 2000, 3);
    now = hl_footprint();
    CHECK_MSG(now <= peak + (256u << 10), "2000-byte blocks: footprint %zu KiB -> %zu KiB",
              peak >> 10, now >> 10);
    printf("ok: those freed, then 625 x 2000 bytes: no growth beyond 256 KiB\n");

    drain(625, 2000, 3, &rng);
    fill(10000, 100, 4);
    now = hl_footprint();
    CHECK_MSG(now <= peak + (256u << 10), "100-byte blocks: footprint %zu KiB -> %zu KiB",
              peak >> 10, now >> 10);
    drain(10000, 100, 4, &rng);
    printf("ok: those freed, then 10000 x 100 bytes: no growth beyond 256 KiB\n");
    return 0;
}
