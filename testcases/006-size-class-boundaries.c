//@ category: basic
//@ points: 1
//@ timeout: 10
//@ mode: static preload
//! ok: sizes 2^k-1, 2^k, 2^k+1 for k = 0..20, 20 rounds, patterns intact

/* Sizes on either side of every power of two up to 1 MiB, all live together, freed and
 * allocated again in a shuffled order for 20 rounds. Power-of-two size classes, bins and
 * buddy orders all change at these sizes; an off-by-one in the class computation gives a
 * block one class too small, and the byte past its end belongs to someone else. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define K      21
#define NSIZES (3 * K)

int main(void) {
    size_t sizes[NSIZES];
    void *blocks[NSIZES];
    uint64_t seeds[NSIZES];
    int n = 0;
    for (int k = 0; k < K; k++) {
        size_t p = (size_t)1 << k;
        if (p > 1) sizes[n++] = p - 1;
        sizes[n++] = p;
        sizes[n++] = p + 1;
    }
    for (int i = 0; i < n; i++) {
        seeds[i] = (uint64_t)i;
        blocks[i] = hl_malloc(sizes[i], seeds[i]);
    }
    uint64_t rng = 6;
    for (int round = 0; round < 20; round++) {
        int order[NSIZES];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = (int)(hl_rand(&rng) % (uint64_t)(i + 1));
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int h = 0; h < n / 2; h++) {
            int i = order[h];
            hl_free(blocks[i], sizes[i], seeds[i]);
        }
        for (int h = 0; h < n / 2; h++) {
            int i = order[h];
            seeds[i] += 1000;
            blocks[i] = hl_malloc(sizes[i], seeds[i]);
        }
        for (int i = 0; i < n; i++)
            CHECK_MSG(hl_verify(blocks[i], sizes[i], seeds[i]),
                      "block of %zu bytes changed at byte %zu", sizes[i],
                      hl_first_mismatch(blocks[i], sizes[i], seeds[i]));
    }
    for (int i = 0; i < n; i++) hl_free(blocks[i], sizes[i], seeds[i]);
    printf("ok: sizes 2^k-1, 2^k, 2^k+1 for k = 0..20, 20 rounds, patterns intact\n");
    return 0;
}
