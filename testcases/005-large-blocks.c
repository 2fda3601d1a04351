//@ category: basic
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! ok: 15 large blocks (128 KiB - 1 .. 32 MiB + 1) live among small ones, every byte intact
//! ok: large blocks freed and allocated again 20 times, every byte intact

/* Large requests usually take a different path (their own mmap, or a separate free list),
 * and that path gets less testing: a size computed in a 32-bit int, a mapping rounded down
 * instead of up, a header that does not fit in the page before the payload. Each large block
 * is written from its first to its last byte and checked, with small blocks allocated in
 * between so the two paths interleave. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

static const size_t large[] = {
    (128u << 10) - 1,  128u << 10,     (128u << 10) + 1, (256u << 10) + 16, 1u << 20,
    (1u << 20) + 4095, 3u << 20,       (4u << 20) - 8,   4u << 20,          5000000,
    8u << 20,          (8u << 20) + 1, 12u << 20,        16u << 20,         33554433,
};
#define NLARGE (sizeof large / sizeof large[0])

int main(void) {
    void *big[NLARGE], *small[NLARGE];
    for (size_t i = 0; i < NLARGE; i++) {
        big[i] = hl_malloc(large[i], i);
        small[i] = hl_malloc(i * 7 + 1, 100 + i);
    }
    for (size_t i = 0; i < NLARGE; i++) {
        CHECK_MSG(hl_verify(big[i], large[i], i), "block of %zu bytes changed at byte %zu",
                  large[i], hl_first_mismatch(big[i], large[i], i));
        CHECK(hl_verify(small[i], i * 7 + 1, 100 + i));
    }
    printf("ok: %zu large blocks (128 KiB - 1 .. 32 MiB + 1) live among small ones, every byte "
           "intact\n",
           NLARGE);

    uint64_t rng = 5;
    for (int round = 0; round < 20; round++) {
        size_t i = hl_rand(&rng) % NLARGE;
        if (large[i] > (4u << 20)) i = (size_t)round % 8; /* keep the run short */
        hl_free(big[i], large[i], i);
        hl_free(small[i], i * 7 + 1, 100 + i);
        small[i] = hl_malloc(i * 7 + 1, 100 + i);
        big[i] = hl_malloc(large[i], i);
    }
    for (size_t i = 0; i < NLARGE; i++) {
        hl_free(big[i], large[i], i);
        hl_free(small[i], i * 7 + 1, 100 + i);
    }
    CHECK(hl_live_count() == 0);
    printf("ok: large blocks freed and allocated again 20 times, every byte intact\n");
    return 0;
}
