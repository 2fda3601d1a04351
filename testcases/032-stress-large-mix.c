//@ category: stress
//@ points: 2
//@ timeout: 20
//@ mode: static preload
//! ok: 2000 operations mixing large (64 KiB .. 2 MiB) and small blocks, patterns intact

/* Large and small blocks mixed at random: large ones come and go from their own mappings or
 * from a large-block region while small blocks sit around them. Allocators that keep large
 * blocks on the same free list as small ones split them into small pieces and then cannot
 * find room for the next large request; allocators with an mmap path get its header, size
 * rounding or unmapping wrong. Every byte of every block is checked when it is freed. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define LARGE 12
#define SMALL 2000
#define OPS   2000

static void *lb[LARGE], *sb[SMALL];
static size_t ls[LARGE], ss[SMALL];
static uint64_t lseed[LARGE], sseed[SMALL];

int main(void) {
    uint64_t rng = 32, seed = 0;
    for (int op = 0; op < OPS; op++) {
        if (hl_rand(&rng) % 10 == 0) {
            int i = (int)(hl_rand(&rng) % LARGE);
            if (lb[i]) hl_free(lb[i], ls[i], lseed[i]);
            int bits = 16 + (int)(hl_rand(&rng) % 5); /* 64 KiB .. 2 MiB, log-uniform */
            ls[i] = ((size_t)1 << bits) + hl_rand(&rng) % ((size_t)1 << bits);
            if (ls[i] > (2u << 20)) ls[i] = 2u << 20;
            lseed[i] = seed++;
            lb[i] = hl_malloc(ls[i], lseed[i]);
        } else {
            for (int k = 0; k < 10; k++) {
                int i = (int)(hl_rand(&rng) % SMALL);
                if (sb[i]) hl_free(sb[i], ss[i], sseed[i]);
                ss[i] = 1 + hl_rand(&rng) % 1024;
                sseed[i] = seed++;
                sb[i] = hl_malloc(ss[i], sseed[i]);
            }
        }
    }
    for (int i = 0; i < LARGE; i++)
        if (lb[i]) hl_free(lb[i], ls[i], lseed[i]);
    for (int i = 0; i < SMALL; i++)
        if (sb[i]) hl_free(sb[i], ss[i], sseed[i]);
    CHECK(hl_live_count() == 0);
    printf("ok: %d operations mixing large (64 KiB .. 2 MiB) and small blocks, patterns intact\n",
           OPS);
    return 0;
}
