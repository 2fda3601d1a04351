//@ category: basic
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! ok: 3000 blocks of 1..200000 bytes live at once, patterns intact
//! ok: 3000 blocks freed, patterns intact until each free
//! ok: 20000 interleaved mallocs and frees, patterns intact

/* The first thing any allocator must get right: blocks of many sizes, small to mmap-sized,
 * live at the same time, each keeping exactly the bytes written into it until it is freed.
 * Every block is filled with its own pattern and entered in the live set, so two blocks that
 * overlap, a header written over a neighbour's payload, or a block handed out twice all fail
 * with the block and the offset of the first changed byte. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define N 3000

static void *blocks[N];
static size_t sizes[N];

static size_t random_size(uint64_t *rng) {
    uint64_t r = hl_rand(rng) % 100;
    if (r < 60) return 1 + hl_rand(rng) % 128;
    if (r < 90) return 129 + hl_rand(rng) % 4000;
    return 4097 + hl_rand(rng) % 196000;
}

int main(void) {
    uint64_t rng = 1;
    for (int i = 0; i < N; i++) {
        sizes[i] = random_size(&rng);
        blocks[i] = hl_malloc(sizes[i], (uint64_t)i);
    }
    for (int i = 0; i < N; i++)
        CHECK_MSG(hl_verify(blocks[i], sizes[i], (uint64_t)i),
                  "block %d (%zu bytes) changed at byte %zu while others were allocated", i,
                  sizes[i], hl_first_mismatch(blocks[i], sizes[i], (uint64_t)i));
    printf("ok: %d blocks of 1..200000 bytes live at once, patterns intact\n", N);

    /* Free in a scrambled order: every other block first, then the rest backwards. */
    for (int i = 0; i < N; i += 2) hl_free(blocks[i], sizes[i], (uint64_t)i);
    for (int i = N - 1; i > 0; i -= 2) hl_free(blocks[i], sizes[i], (uint64_t)i);
    CHECK(hl_live_count() == 0);
    printf("ok: %d blocks freed, patterns intact until each free\n", N);

    /* Interleaved: each step frees a random live block or allocates into an empty slot. */
    for (int i = 0; i < N; i++) blocks[i] = NULL;
    uint64_t seed = 100000;
    for (int step = 0; step < 20000; step++) {
        int i = (int)(hl_rand(&rng) % N);
        if (blocks[i]) {
            hl_free(blocks[i], sizes[i], seed + (uint64_t)i);
            blocks[i] = NULL;
        } else {
            sizes[i] = random_size(&rng) % 8192 + 1;
            blocks[i] = hl_malloc(sizes[i], seed + (uint64_t)i);
        }
    }
    for (int i = 0; i < N; i++)
        if (blocks[i]) hl_free(blocks[i], sizes[i], seed + (uint64_t)i);
    CHECK(hl_live_count() == 0);
    printf("ok: 20000 interleaved mallocs and frees, patterns intact\n");
    return 0;
}
