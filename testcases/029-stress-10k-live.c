//@ category: stress
//@ points: 2
//@ timeout: 20
//@ mode: static preload
//! ok: 10000 blocks of 1..64 bytes live at once, freed in a random order
//! ok: 10000 blocks of 1..512 bytes live at once, freed in a random order
//! ok: 10000 blocks allocated again into the freed space, patterns intact

/* Ten thousand small blocks live at the same time, more than fit a fixed-size table of a few
 * pages or size-class runs. The blocks are freed in a random order, which leaves the free lists
 * maximally shuffled, and allocated again into that space. An allocator with a linear first-fit
 * search is slow here but well inside the time limit: this test grades correctness. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define N 10000

static void *blocks[N];
static size_t sizes[N];
static int order[N];

static void shuffle(uint64_t *rng) {
    for (int i = 0; i < N; i++) order[i] = i;
    for (int i = N - 1; i > 0; i--) {
        int j = (int)(hl_rand(rng) % (uint64_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

static void round_of(size_t max, uint64_t *rng, uint64_t seed) {
    for (int i = 0; i < N; i++) {
        sizes[i] = 1 + hl_rand(rng) % max;
        blocks[i] = hl_malloc(sizes[i], seed + (uint64_t)i);
    }
    CHECK(hl_live_count() == N);
    shuffle(rng);
    for (int k = 0; k < N; k++) {
        int i = order[k];
        hl_free(blocks[i], sizes[i], seed + (uint64_t)i);
    }
    CHECK(hl_live_count() == 0);
}

int main(void) {
    uint64_t rng = 29;
    round_of(64, &rng, 0);
    printf("ok: %d blocks of 1..64 bytes live at once, freed in a random order\n", N);
    round_of(512, &rng, N);
    printf("ok: %d blocks of 1..512 bytes live at once, freed in a random order\n", N);

    /* Half freed at random, then allocated again with other sizes while the rest is live. */
    for (int i = 0; i < N; i++) {
        sizes[i] = 1 + hl_rand(&rng) % 256;
        blocks[i] = hl_malloc(sizes[i], (uint64_t)i);
    }
    shuffle(&rng);
    for (int k = 0; k < N / 2; k++) {
        int i = order[k];
        hl_free(blocks[i], sizes[i], (uint64_t)i);
        sizes[i] = 1 + hl_rand(&rng) % 300;
    }
    for (int k = 0; k < N / 2; k++) {
        int i = order[k];
        blocks[i] = hl_malloc(sizes[i], (uint64_t)i + 7);
    }
    for (int k = 0; k < N; k++) {
        int i = order[k];
        hl_free(blocks[i], sizes[i], (uint64_t)i + (k < N / 2 ? 7 : 0));
    }
    printf("ok: %d blocks allocated again into the freed space, patterns intact\n", N);
    return 0;
}
