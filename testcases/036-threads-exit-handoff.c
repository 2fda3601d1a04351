//@ category: threads
//@ points: 2
//@ timeout: 20
//@ mode: static preload
//! ok: 100 threads exited with 900 blocks each still live; the blocks stayed intact
//! ok: another thread freed them while new threads allocated, no block handed out twice

/* A thread that exits leaves its blocks behind: they belong to the program, not to the
 * thread, and must stay valid until someone frees them. Allocators with per-thread caches or
 * arenas tear those down at thread exit; if the teardown frees or unmaps the thread's live
 * blocks, or puts its cached free blocks back twice, the next owner sees changed contents or
 * a block given out twice. Each worker allocates 1000 blocks, frees a few, and exits; the
 * main thread checks and frees the rest while the next workers run. */
#include "test_runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define WORKERS 100
#define PER     1000

struct batch {
    void *p[PER];
    size_t n[PER];
    uint64_t seed;
};

static struct batch batches[WORKERS];

static void *worker(void *arg) {
    struct batch *b = arg;
    uint64_t rng = b->seed;
    for (int i = 0; i < PER; i++) {
        b->n[i] = hl_rand(&rng) % 50 == 0 ? 1 + hl_rand(&rng) % 70000 : 1 + hl_rand(&rng) % 300;
        b->p[i] = hl_malloc(b->n[i], b->seed + (uint64_t)i);
    }
    /* A few frees, so the thread's cache holds free blocks when it exits. */
    for (int i = 0; i < PER; i += 10) {
        hl_free(b->p[i], b->n[i], b->seed + (uint64_t)i);
        b->p[i] = NULL;
    }
    return NULL;
}

static void drain(struct batch *b) {
    for (int i = 0; i < PER; i++) {
        if (!b->p[i]) continue;
        CHECK_MSG(hl_verify(b->p[i], b->n[i], b->seed + (uint64_t)i),
                  "block of an exited thread changed at byte %zu",
                  hl_first_mismatch(b->p[i], b->n[i], b->seed + (uint64_t)i));
    }
    for (int i = 0; i < PER; i++)
        if (b->p[i]) hl_free(b->p[i], b->n[i], b->seed + (uint64_t)i);
}

int main(void) {
    pthread_t prev = 0;
    for (int w = 0; w < WORKERS; w++) {
        batches[w].seed = (uint64_t)w << 20;
        pthread_t t;
        CHECK(pthread_create(&t, NULL, worker, &batches[w]) == 0);
        /* While worker w runs, the main thread frees what worker w - 2 left behind. */
        if (w >= 2) drain(&batches[w - 2]);
        if (w >= 1) pthread_join(prev, NULL);
        prev = t;
    }
    pthread_join(prev, NULL);
    printf("ok: %d threads exited with %d blocks each still live; the blocks stayed intact\n",
           WORKERS, PER - PER / 10);
    drain(&batches[WORKERS - 2]);
    drain(&batches[WORKERS - 1]);
    CHECK(hl_live_count() == 0);
    printf("ok: another thread freed them while new threads allocated, no block handed out "
           "twice\n");
    return 0;
}
