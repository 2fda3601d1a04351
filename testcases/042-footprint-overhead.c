//@ category: footprint
//@ points: 2
//@ timeout: 10
//@ mode: static
//! ok: 8000 live blocks of 16..256 bytes: footprint within 2 x live bytes + 256 KiB
//! ok: 8000 live blocks of 48 bytes: footprint within 2 x live bytes + 256 KiB

/* Per-block overhead must stay reasonable: for small blocks the footprint should not exceed
 * about twice the bytes the program holds. Allocators that round every request up to a power
 * of two plus a large header, give each small block its own page or cache line, or put 32 or
 * more bytes of bookkeeping in front of a 48-byte payload fail. The blocks are filled and
 * checked, but not put in the live set, whose own nodes would count in the footprint. A few
 * thousand blocks show the overhead as well as many more would, and keep an allocator with a
 * linear first-fit search well inside the time limit: speed is not what this test grades. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define N 8000

static void *blocks[N];
static size_t sizes[N];

static void phase(uint64_t *rng, int fixed, const char *what) {
    size_t base = hl_footprint(), live = 0;
    for (int i = 0; i < N; i++) {
        sizes[i] = fixed ? (size_t)fixed : 16 + hl_rand(rng) % 241;
        blocks[i] = malloc(sizes[i]);
        CHECK_MSG(blocks[i] != NULL, "malloc(%zu) returned NULL", sizes[i]);
        hl_fill(blocks[i], sizes[i], (uint64_t)i);
        live += sizes[i];
    }
    size_t grown = hl_footprint() - base;
    for (int i = 0; i < N; i++) {
        CHECK_MSG(hl_verify(blocks[i], sizes[i], (uint64_t)i), "block %d changed at byte %zu", i,
                  hl_first_mismatch(blocks[i], sizes[i], (uint64_t)i));
        free(blocks[i]);
    }
    CHECK_MSG(grown <= 2 * live + (256u << 10),
              "%s: %zu KiB live took %zu KiB of footprint (%.2f x)", what, live >> 10, grown >> 10,
              (double)grown / (double)live);
    printf("ok: %d live blocks of %s: footprint within 2 x live bytes + 256 KiB\n", N, what);
}

int main(void) {
    uint64_t rng = 42;
    phase(&rng, 0, "16..256 bytes");
    phase(&rng, 48, "48 bytes");
    return 0;
}
