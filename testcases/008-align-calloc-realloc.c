//@ category: alignment
//@ points: 1
//@ timeout: 10
//@ mode: static preload
//! ok: 3000 calloc results with odd nmemb and size aligned to ??{[0-9]+}??
//! ok: 3000 realloc results (growing, shrinking, from NULL) aligned to ??{[0-9]+}??

/* calloc and realloc have their own paths through an allocator: calloc may round
 * nmemb * size differently, realloc may shrink in place and split off a remainder whose
 * payload then starts at 8 mod 16, or grow into a neighbour and return a recomputed pointer.
 * Each result must still be aligned as malloc's are (16 bytes, or the course's ALIGN), and the live set checks that none overlaps
 * another. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define N 3000

static void *blocks[N];
static size_t sizes[N];

static void check_aligned(const char *what, void *p, size_t n) {
    CHECK_MSG(p != NULL, "%s of %zu bytes returned NULL", what, n);
    CHECK_ALIGNED(p, "%s of %zu bytes", what, n);
}

int main(void) {
    uint64_t rng = 8;
    for (int i = 0; i < N; i++) {
        size_t nmemb = (hl_rand(&rng) % 40) | 1, size = (hl_rand(&rng) % 77) | 1;
        if (i % 100 == 0) size = 4099; /* some large ones */
        sizes[i] = nmemb * size;
        blocks[i] = calloc(nmemb, size);
        check_aligned("calloc", blocks[i], sizes[i]);
        hl_live_add(blocks[i], sizes[i], 1);
        hl_fill(blocks[i], sizes[i], (uint64_t)i);
        if (i % 3 == 0) { /* holes of odd sizes between live blocks */
            hl_live_remove(blocks[i]);
            free(blocks[i]);
            blocks[i] = NULL;
        }
    }
    printf("ok: %d calloc results with odd nmemb and size aligned to %zu\n", N, hl_align());

    for (int i = 0; i < N; i++) {
        size_t n = (hl_rand(&rng) % (i % 50 == 0 ? 300000 : 2000)) | 1;
        if (blocks[i]) {
            CHECK(hl_verify(blocks[i], sizes[i], (uint64_t)i));
            hl_live_remove(blocks[i]);
        }
        void *q = realloc(blocks[i], n);
        check_aligned("realloc", q, n);
        size_t keep = blocks[i] && sizes[i] < n ? sizes[i] : n;
        if (blocks[i])
            CHECK_MSG(hl_verify(q, keep, (uint64_t)i), "realloc lost byte %zu of %zu kept",
                      hl_first_mismatch(q, keep, (uint64_t)i), keep);
        hl_live_add(q, n, 1);
        hl_fill(q, n, (uint64_t)i);
        blocks[i] = q;
        sizes[i] = n;
    }
    for (int i = 0; i < N; i++) {
        hl_live_remove(blocks[i]);
        free(blocks[i]);
    }
    printf("ok: %d realloc results (growing, shrinking, from NULL) aligned to %zu\n", N,
           hl_align());
    return 0;
}
