//@ category: threads
//@ points: 3
//@ timeout: 20
//@ mode: static preload
//! ok: 8 threads x 50000 operations at once, no block handed out twice, patterns intact

/* Eight threads allocating and freeing at the same time. An allocator without locking (or
 * with a lock that does not cover a free-list update) hands the same block to two threads,
 * loses blocks, or corrupts its lists; one with per-thread caches gets the hand-over between
 * cache and shared heap wrong. All blocks of all threads are in one live set, so a block
 * given to two threads is caught the moment the second one receives it, and each thread
 * checks its own patterns. */
#include "test_runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 8
#define SLOTS   500
#define OPS     50000

static void *worker(void *arg) {
    uint64_t t = (uint64_t)(uintptr_t)arg, rng = 33 + t;
    void *blocks[SLOTS] = {0};
    size_t sizes[SLOTS];
    uint64_t seeds[SLOTS], next = t << 32;
    for (int op = 0; op < OPS; op++) {
        int i = (int)(hl_rand(&rng) % SLOTS);
        if (blocks[i]) {
            hl_free(blocks[i], sizes[i], seeds[i]);
            blocks[i] = NULL;
        } else {
            uint64_t r = hl_rand(&rng) % 100;
            sizes[i] = r < 90 ? 1 + hl_rand(&rng) % 256 : 1 + hl_rand(&rng) % 20000;
            seeds[i] = next++;
            blocks[i] = hl_malloc(sizes[i], seeds[i]);
        }
    }
    for (int i = 0; i < SLOTS; i++)
        if (blocks[i]) hl_free(blocks[i], sizes[i], seeds[i]);
    return NULL;
}

int main(void) {
    pthread_t th[THREADS];
    for (uintptr_t t = 0; t < THREADS; t++)
        CHECK(pthread_create(&th[t], NULL, worker, (void *)t) == 0);
    for (int t = 0; t < THREADS; t++) CHECK(pthread_join(th[t], NULL) == 0);
    CHECK(hl_live_count() == 0);
    printf("ok: %d threads x %d operations at once, no block handed out twice, patterns intact\n",
           THREADS, OPS);
    return 0;
}
