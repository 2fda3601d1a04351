//@ category: basic
//@ points: 1
//@ timeout: 10
//@ mode: static preload
//! ok: free(NULL) before the first malloc
//! ok: 10000 free(NULL) calls between allocations, 500 live blocks intact

/* free(NULL) must do nothing (C11 7.22.3.3), whenever it is called: before the allocator has
 * initialized anything, and between ordinary calls. An allocator that reads a header at
 * NULL - 16 crashes; one that treats NULL as a block of size 0 and links it into a free list
 * later hands out address 0 or corrupts its lists, which the live blocks' patterns show. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define LIVE 500

static void *blocks[LIVE];
static size_t sizes[LIVE];

int main(void) {
    free(NULL);
    free(NULL);
    printf("ok: free(NULL) before the first malloc\n");

    uint64_t rng = 3;
    for (int i = 0; i < LIVE; i++) {
        sizes[i] = 1 + hl_rand(&rng) % 300;
        blocks[i] = hl_malloc(sizes[i], (uint64_t)i);
        free(NULL);
    }
    for (int round = 0; round < 10000; round++) {
        free(NULL);
        int i = (int)(hl_rand(&rng) % LIVE);
        hl_free(blocks[i], sizes[i], (uint64_t)i);
        free(NULL);
        sizes[i] = 1 + hl_rand(&rng) % 300;
        blocks[i] = hl_malloc(sizes[i], (uint64_t)i);
    }
    for (int i = 0; i < LIVE; i++) hl_free(blocks[i], sizes[i], (uint64_t)i);
    printf("ok: 10000 free(NULL) calls between allocations, %d live blocks intact\n", LIVE);
    return 0;
}
