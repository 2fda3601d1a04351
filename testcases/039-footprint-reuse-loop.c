//@ category: footprint
//@ points: 2
//@ timeout: 10
//@ mode: static
//! ok: 200 rounds of 1000 blocks (random sizes <= 1 KiB) allocated and freed
//! ok: the footprint grew by less than 4 MiB after the first round

/* Freed memory must be reused. A loop that allocates a thousand blocks of random sizes and
 * frees them all needs no more memory in its 200th round than in its first; an allocator
 * that never reuses freed blocks (a bump allocator with a free() that does nothing), or that
 * reuses them only for the exact same size, grows by hundreds of megabytes. The footprint is
 * what the kernel sees (VmData: the heap plus private mappings). */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 200
#define N      1000

static void *blocks[N];
static size_t sizes[N];
static int order[N];

static void one_round(uint64_t *rng, uint64_t seed) {
    for (int i = 0; i < N; i++) {
        sizes[i] = 1 + hl_rand(rng) % 1024;
        blocks[i] = hl_malloc(sizes[i], seed + (uint64_t)i);
        order[i] = i;
    }
    for (int i = N - 1; i > 0; i--) {
        int j = (int)(hl_rand(rng) % (uint64_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int k = 0; k < N; k++) {
        int i = order[k];
        hl_free(blocks[i], sizes[i], seed + (uint64_t)i);
    }
}

int main(void) {
    uint64_t rng = 39;
    one_round(&rng, 0);
    size_t base = hl_footprint(), peak = base;
    for (int r = 1; r < ROUNDS; r++) {
        one_round(&rng, (uint64_t)r * N);
        size_t now = hl_footprint();
        if (now > peak) peak = now;
    }
    printf("ok: %d rounds of %d blocks (random sizes <= 1 KiB) allocated and freed\n", ROUNDS, N);
    CHECK_MSG(peak < base + (4u << 20),
              "footprint grew from %zu KiB after the first round to %zu KiB: freed memory is "
              "not reused",
              base >> 10, peak >> 10);
    printf("ok: the footprint grew by less than 4 MiB after the first round\n");
    return 0;
}
