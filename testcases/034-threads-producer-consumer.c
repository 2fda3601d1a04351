//@ category: threads
//@ points: 3
//@ timeout: 20
//@ mode: static preload
//! ok: 2 producers, 2 consumers: 200000 blocks allocated in one thread, freed in another
//! ok: consumers reused the remotely freed memory, no block handed out twice

/* Blocks allocated by one thread and freed by another: the producer/consumer pattern of
 * every server and pipeline. Allocators with per-thread caches or arenas must return such a
 * block to its owner (or accept it into the freeing thread's cache) safely; bugs show up as
 * a block handed out twice (the live set catches it), as corrupted contents, or as a crash
 * when the owner's structures are updated without its lock. The queue between the threads is
 * a fixed ring buffer, so only the blocks themselves come from the allocator. */
#include "test_runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define PRODUCERS 2
#define CONSUMERS 2
#define PER       100000
#define RING      1024

struct item {
    void *p;
    size_t n;
    uint64_t seed;
};

static struct item ring[RING];
static size_t head, tail;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;

static void put(struct item it) {
    pthread_mutex_lock(&lock);
    while (head - tail == RING) pthread_cond_wait(&not_full, &lock);
    ring[head++ % RING] = it;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&lock);
}

static struct item get(void) {
    pthread_mutex_lock(&lock);
    while (head == tail) pthread_cond_wait(&not_empty, &lock);
    struct item it = ring[tail++ % RING];
    pthread_cond_signal(&not_full);
    pthread_mutex_unlock(&lock);
    return it;
}

static void *producer(void *arg) {
    uint64_t t = (uint64_t)(uintptr_t)arg, rng = 34 + t;
    for (uint64_t i = 0; i < PER; i++) {
        struct item it;
        it.n = hl_rand(&rng) % 10 == 0 ? 1 + hl_rand(&rng) % 16384 : 1 + hl_rand(&rng) % 200;
        it.seed = (t << 32) | i;
        it.p = hl_malloc(it.n, it.seed);
        put(it);
    }
    return NULL;
}

static void *consumer(void *arg) {
    uint64_t t = (uint64_t)(uintptr_t)arg, rng = 340 + t;
    for (;;) {
        struct item it = get();
        if (!it.p) return NULL; /* end of stream */
        hl_free(it.p, it.n, it.seed);
        /* Allocate and free locally too: this thread now reuses remotely freed memory, while
         * the other threads do the same. */
        for (int k = 0; k < 4; k++) {
            size_t n = 1 + hl_rand(&rng) % 200;
            void *mine = hl_malloc(n, 999);
            hl_free(mine, n, 999);
        }
    }
}

int main(void) {
    pthread_t p[PRODUCERS], c[CONSUMERS];
    for (uintptr_t i = 0; i < CONSUMERS; i++)
        CHECK(pthread_create(&c[i], NULL, consumer, (void *)i) == 0);
    for (uintptr_t i = 0; i < PRODUCERS; i++)
        CHECK(pthread_create(&p[i], NULL, producer, (void *)i) == 0);
    for (int i = 0; i < PRODUCERS; i++) pthread_join(p[i], NULL);
    for (int i = 0; i < CONSUMERS; i++) put((struct item){NULL, 0, 0});
    for (int i = 0; i < CONSUMERS; i++) pthread_join(c[i], NULL);
    CHECK(hl_live_count() == 0);
    printf("ok: %d producers, %d consumers: %d blocks allocated in one thread, freed in another\n",
           PRODUCERS, CONSUMERS, PRODUCERS * PER);
    printf("ok: consumers reused the remotely freed memory, no block handed out twice\n");
    return 0;
}
