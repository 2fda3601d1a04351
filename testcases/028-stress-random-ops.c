//@ category: stress
//@ points: 3
//@ timeout: 20
//@ mode: static preload
//! ok: 150000 random operations (malloc, calloc, realloc, free) with 2000 live blocks
//! ok: every block disjoint from the others, contents intact until freed

/* 150000 random operations on 2000 live blocks of mostly small, sometimes large sizes:
 * the test every allocator should survive before any other. Each operation frees a block and
 * allocates another (malloc or calloc), or reallocates one, so the heap is full of holes of
 * every size and the free lists, splitting and coalescing get all their cases. Every block
 * is in the live set (disjoint), has its own pattern checked when it is freed or
 * reallocated, and every calloc'd block is checked to be zero. The counts leave an allocator
 * with a linear first-fit search well inside the time limit: this test grades correctness. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE 2000
#define OPS  150000

static void *blocks[LIVE];
static size_t sizes[LIVE];
static uint64_t seeds[LIVE];

/* Offset of the first nonzero byte of p[0..n), or n. */
static size_t first_nonzero(const unsigned char *p, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w) break;
    }
    for (; i < n; i++)
        if (p[i]) return i;
    return n;
}

static size_t random_size(uint64_t *rng) {
    uint64_t r = hl_rand(rng) % 1000;
    if (r < 900) return 1 + hl_rand(rng) % 256;
    if (r < 995) return 1 + hl_rand(rng) % 4096;
    return 1 + hl_rand(rng) % 100000;
}

int main(void) {
    uint64_t rng = 28, next_seed = 0;
    for (int i = 0; i < LIVE; i++) {
        sizes[i] = random_size(&rng);
        seeds[i] = next_seed++;
        blocks[i] = hl_malloc(sizes[i], seeds[i]);
    }
    for (long op = 0; op < OPS; op++) {
        int i = (int)(hl_rand(&rng) % LIVE);
        uint64_t kind = hl_rand(&rng) % 100;
        if (kind < 50) { /* free, then malloc */
            hl_free(blocks[i], sizes[i], seeds[i]);
            sizes[i] = random_size(&rng);
            seeds[i] = next_seed++;
            blocks[i] = hl_malloc(sizes[i], seeds[i]);
        } else if (kind < 65) { /* free, then calloc */
            hl_free(blocks[i], sizes[i], seeds[i]);
            size_t n = random_size(&rng), m = 1 + hl_rand(&rng) % 4;
            unsigned char *p = calloc(n, m);
            CHECK_MSG(p != NULL, "calloc(%zu, %zu) returned NULL", n, m);
            size_t nz = first_nonzero(p, n * m);
            CHECK_MSG(nz == n * m, "calloc(%zu, %zu): byte %zu is not zero", n, m, nz);
            hl_live_add(p, n * m, 1);
            sizes[i] = n * m;
            seeds[i] = next_seed++;
            hl_fill(p, sizes[i], seeds[i]);
            blocks[i] = p;
        } else if (kind < 95) { /* realloc */
            size_t to = random_size(&rng);
            hl_live_remove(blocks[i]);
            void *q = realloc(blocks[i], to);
            CHECK_MSG(q != NULL, "realloc(%zu -> %zu) returned NULL", sizes[i], to);
            size_t keep = to < sizes[i] ? to : sizes[i];
            CHECK_MSG(hl_verify(q, keep, seeds[i]), "realloc %zu -> %zu: byte %zu changed",
                      sizes[i], to, hl_first_mismatch(q, keep, seeds[i]));
            hl_live_add(q, to, 1);
            hl_fill(q, to, seeds[i]);
            blocks[i] = q;
            sizes[i] = to;
        } else { /* look at a block */
            CHECK_MSG(hl_verify(blocks[i], sizes[i], seeds[i]),
                      "live block of %zu bytes changed at byte %zu", sizes[i],
                      hl_first_mismatch(blocks[i], sizes[i], seeds[i]));
        }
    }
    CHECK(hl_live_count() == LIVE);
    printf("ok: %d random operations (malloc, calloc, realloc, free) with %d live blocks\n", OPS,
           LIVE);
    for (int i = 0; i < LIVE; i++) hl_free(blocks[i], sizes[i], seeds[i]);
    CHECK(hl_live_count() == 0);
    printf("ok: every block disjoint from the others, contents intact until freed\n");
    return 0;
}
