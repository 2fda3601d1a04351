//@ category: threads
//@ points: 2
//@ timeout: 20
//@ mode: static preload
//! ok: 400 short-lived threads (4 at a time), 100 blocks each, 10 handed to the main thread
//! ok: 4000 handed-over blocks intact and freed by the main thread

/* Many short-lived threads, as in a thread-per-request server: each one creates whatever
 * per-thread state the allocator keeps, allocates, frees, and dies. Allocators leak or
 * exhaust per-thread structures (a fixed table of arenas, cache slots never reclaimed),
 * or race between one thread's teardown and another's creation. glibc itself allocates the
 * thread's TLS and stack bookkeeping with malloc here, so thread creation exercises the
 * allocator as well. */
#include "test_runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 400
#define AT_ONCE 4
#define PER     100
#define HANDED  10

struct handoff {
    void *p[HANDED];
    size_t n[HANDED];
    uint64_t seed;
};

static struct handoff out[THREADS];

static void *worker(void *arg) {
    struct handoff *h = arg;
    uint64_t rng = h->seed;
    void *mine[PER];
    size_t n[PER];
    for (int i = 0; i < PER; i++) {
        n[i] = 1 + hl_rand(&rng) % 1000;
        mine[i] = hl_malloc(n[i], h->seed + (uint64_t)i);
    }
    for (int i = HANDED; i < PER; i++) hl_free(mine[i], n[i], h->seed + (uint64_t)i);
    for (int i = 0; i < HANDED; i++) {
        h->p[i] = mine[i];
        h->n[i] = n[i];
    }
    return NULL;
}

int main(void) {
    for (int w = 0; w < THREADS; w += AT_ONCE) {
        pthread_t t[AT_ONCE];
        for (int k = 0; k < AT_ONCE; k++) {
            out[w + k].seed = (uint64_t)(w + k) << 20;
            CHECK(pthread_create(&t[k], NULL, worker, &out[w + k]) == 0);
        }
        for (int k = 0; k < AT_ONCE; k++) CHECK(pthread_join(t[k], NULL) == 0);
    }
    printf("ok: %d short-lived threads (%d at a time), %d blocks each, %d handed to the main "
           "thread\n",
           THREADS, AT_ONCE, PER, HANDED);
    for (int w = 0; w < THREADS; w++)
        for (int i = 0; i < HANDED; i++)
            hl_free(out[w].p[i], out[w].n[i], out[w].seed + (uint64_t)i);
    CHECK(hl_live_count() == 0);
    printf("ok: %d handed-over blocks intact and freed by the main thread\n", THREADS * HANDED);
    return 0;
}
