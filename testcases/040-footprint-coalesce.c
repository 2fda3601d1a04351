//@ category: footprint
//@ points: 2
//@ timeout: 10
//@ mode: static
//! ok: 1000 adjacent 100-byte blocks freed, then malloc(90000): fits in the freed space
//! ok: 20 rounds of 1000 adjacent blocks (100..404 bytes) freed, then malloc(90000) kept
//! ok: footprint growth within 1.5 x the live bytes + 512 KiB: freed neighbours are coalesced

/* Freed neighbours must be coalesced. A thousand adjacent 100-byte blocks are freed and then
 * a single 90000-byte block is requested: it fits in the space they occupied only if the
 * allocator merged them. Spare capacity can hide the difference once, so it is repeated for
 * 20 rounds, keeping each 90000-byte block, with the small blocks one size larger each round
 * (so they cannot simply reuse the previous round's free blocks). With coalescing the
 * footprint ends near the 1.8 MB held; without it, the small blocks of the earlier rounds
 * stay behind as holes too small for anything that follows. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 20
#define N      1000
#define BIG    90000

static void *small[N];
static void *big[ROUNDS];

int main(void) {
    /* Room in the live set for every block first: its nodes count in the footprint. */
    for (int i = 0; i < N; i++) small[i] = hl_malloc(8, 0);
    for (int i = 0; i < N; i++) hl_free(small[i], 8, 0);
    size_t start = hl_footprint();
    for (int r = 0; r < ROUNDS; r++) {
        size_t size = 100 + 16 * (size_t)r;
        for (int i = 0; i < N; i++) small[i] = hl_malloc(size, (uint64_t)i);
        size_t before = hl_footprint();
        for (int i = 0; i < N; i++) hl_free(small[i], size, (uint64_t)i);
        big[r] = hl_malloc(BIG, 5000 + (uint64_t)r);
        if (r == 0) {
            size_t after = hl_footprint();
            CHECK_MSG(after <= before + (32u << 10),
                      "malloc(90000) after freeing 1000 adjacent 100-byte blocks grew the "
                      "footprint by %zu KiB: they were not merged",
                      (after - before) >> 10);
            printf("ok: 1000 adjacent 100-byte blocks freed, then malloc(90000): fits in the "
                   "freed space\n");
        }
    }
    size_t grown = hl_footprint() - start;
    printf("ok: %d rounds of %d adjacent blocks (100..404 bytes) freed, then malloc(90000) kept\n",
           ROUNDS, N);
    CHECK_MSG(grown <= 3 * ROUNDS * BIG / 2 + (512u << 10),
              "the footprint grew by %zu KiB to hold %d KiB: freed neighbours are not coalesced",
              grown >> 10, ROUNDS * BIG / 1024);
    for (int r = 0; r < ROUNDS; r++) hl_free(big[r], BIG, 5000 + (uint64_t)r);
    printf("ok: footprint growth within 1.5 x the live bytes + 512 KiB: freed neighbours are "
           "coalesced\n");
    return 0;
}
