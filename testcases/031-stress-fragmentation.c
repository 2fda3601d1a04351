//@ category: stress
//@ points: 2
//@ timeout: 20
//@ mode: static preload
//! ok: 30 rounds of checkerboard fragmentation (small holes, larger requests), patterns intact

/* The adversarial pattern for free lists: allocate many blocks alternating small and large,
 * free every small one (the heap is now a checkerboard of holes too small for what comes
 * next), allocate larger blocks that do not fit the holes and small ones that do, then free
 * the large ones and coalesce. Splitting and coalescing run in every combination of free and
 * live neighbours, and a boundary tag or a free-list link written over a live block shows in
 * that block's pattern. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define N 2000

static void *a[N], *b[N];
static size_t as[N], bs[N];

int main(void) {
    uint64_t rng = 31;
    for (int round = 0; round < 30; round++) {
        size_t small = 16 + (size_t)round * 8, large = small * 4 + (size_t)round;
        uint64_t s0 = (uint64_t)round * 4 * N;
        for (int i = 0; i < N; i++) {
            as[i] = i % 2 ? large : small;
            a[i] = hl_malloc(as[i], s0 + (uint64_t)i);
        }
        for (int i = 0; i < N; i += 2) hl_free(a[i], as[i], s0 + (uint64_t)i);
        for (int i = 0; i < N; i++) { /* larger requests, and small ones into the holes */
            bs[i] = i % 3 ? small * 2 + hl_rand(&rng) % 64 : 1 + hl_rand(&rng) % small;
            b[i] = hl_malloc(bs[i], s0 + N + (uint64_t)i);
        }
        for (int i = 1; i < N; i += 2) hl_free(a[i], as[i], s0 + (uint64_t)i);
        for (int i = 0; i < N; i += 2) { /* coalesced space reused by something larger */
            hl_free(b[i], bs[i], s0 + N + (uint64_t)i);
            bs[i] = large * 3;
            b[i] = hl_malloc(bs[i], s0 + 2 * N + (uint64_t)i);
        }
        for (int i = 0; i < N; i++) hl_free(b[i], bs[i], s0 + (i % 2 ? N : 2 * N) + (uint64_t)i);
        CHECK(hl_live_count() == 0);
    }
    printf("ok: 30 rounds of checkerboard fragmentation (small holes, larger requests), patterns "
           "intact\n");
    return 0;
}
