//@ category: calloc
//@ points: 1
//@ timeout: 10
//@ mode: static preload
//! ok: 20 rounds of 2000 callocs into a fragmented, dirty heap: all zero, no overlap

/* calloc into a heap full of dirty holes: blocks of random sizes are filled with 0xaa and
 * every other one is freed, then calloc asks for other sizes, so the blocks it returns are
 * split from, or coalesced out of, dirty free blocks, possibly with stale headers and free
 * list links inside them. Every byte of every result must be zero. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 2000

static void *dirty[N], *clean[N];
static size_t dsize[N], csize[N];

int main(void) {
    uint64_t rng = 15;
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < N; i++) {
            dsize[i] = 1 + hl_rand(&rng) % 2000;
            dirty[i] = malloc(dsize[i]);
            CHECK(dirty[i] != NULL);
            memset(dirty[i], 0xaa, dsize[i]);
        }
        for (int i = round % 2; i < N; i += 2) free(dirty[i]), dirty[i] = NULL;
        for (int i = 0; i < N; i++) {
            size_t nmemb = 1 + hl_rand(&rng) % 60, size = 1 + hl_rand(&rng) % 50;
            unsigned char *p = calloc(nmemb, size);
            CHECK_MSG(p != NULL, "calloc(%zu, %zu) returned NULL", nmemb, size);
            for (size_t b = 0; b < nmemb * size; b++)
                CHECK_MSG(p[b] == 0, "calloc(%zu, %zu): byte %zu is 0x%02x, not zero", nmemb, size,
                          b, p[b]);
            hl_live_add(p, nmemb * size, 1);
            memset(p, 0xbb, nmemb * size);
            clean[i] = p;
            csize[i] = nmemb * size;
        }
        for (int i = 0; i < N; i++) {
            hl_live_remove(clean[i]);
            free(clean[i]);
            free(dirty[i]);
        }
    }
    printf("ok: 20 rounds of %d callocs into a fragmented, dirty heap: all zero, no overlap\n", N);
    return 0;
}
