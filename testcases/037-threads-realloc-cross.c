//@ category: threads
//@ points: 2
//@ timeout: 20
//@ mode: static preload
//! ok: 4 threads x 40000 operations on 2000 shared blocks (realloc, free, calloc), contents kept

/* Four threads work on one shared table of blocks, each slot under its own lock: a thread
 * reallocates, frees or callocs whatever is in the slot it picks, so most blocks are
 * reallocated or freed by a thread other than the one that allocated them. realloc of a
 * block owned by another thread's arena or cache must take that owner's lock (or move the
 * block) and keep the contents; the patterns and the live set check both. */
#include "test_runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define SLOTS   2000
#define OPS     40000

static struct slot {
    pthread_mutex_t lock;
    void *p;
    size_t n;
    uint64_t seed;
} slots[SLOTS];

static void *worker(void *arg) {
    uint64_t t = (uint64_t)(uintptr_t)arg, rng = 37 + t, next = (t + 1) << 40;
    for (int op = 0; op < OPS; op++) {
        struct slot *s = &slots[hl_rand(&rng) % SLOTS];
        size_t to = hl_rand(&rng) % 20 == 0 ? 1 + hl_rand(&rng) % 40000 : 1 + hl_rand(&rng) % 500;
        uint64_t kind = hl_rand(&rng) % 10;
        pthread_mutex_lock(&s->lock);
        if (!s->p) {
            s->seed = next++;
            s->n = to;
            if (kind < 5) {
                s->p = hl_malloc(to, s->seed);
            } else {
                unsigned char *p = calloc(1, to);
                CHECK_MSG(p != NULL, "calloc(1, %zu) returned NULL", to);
                for (size_t i = 0; i < to; i++) CHECK_MSG(p[i] == 0, "calloc: byte %zu not 0", i);
                hl_live_add(p, to, 1);
                hl_fill(p, to, s->seed);
                s->p = p;
            }
        } else if (kind < 7) {
            hl_live_remove(s->p);
            void *q = realloc(s->p, to);
            CHECK_MSG(q != NULL, "realloc(%zu -> %zu) returned NULL", s->n, to);
            size_t keep = to < s->n ? to : s->n;
            CHECK_MSG(hl_verify(q, keep, s->seed),
                      "realloc %zu -> %zu in another thread: byte %zu changed", s->n, to,
                      hl_first_mismatch(q, keep, s->seed));
            hl_live_add(q, to, 1);
            hl_fill(q, to, s->seed);
            s->p = q;
            s->n = to;
        } else {
            hl_free(s->p, s->n, s->seed);
            s->p = NULL;
        }
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

int main(void) {
    for (int i = 0; i < SLOTS; i++) pthread_mutex_init(&slots[i].lock, NULL);
    pthread_t th[THREADS];
    for (uintptr_t t = 0; t < THREADS; t++)
        CHECK(pthread_create(&th[t], NULL, worker, (void *)t) == 0);
    for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].p) hl_free(slots[i].p, slots[i].n, slots[i].seed);
    CHECK(hl_live_count() == 0);
    printf("ok: %d threads x %d operations on %d shared blocks (realloc, free, calloc), contents "
           "kept\n",
           THREADS, OPS, SLOTS);
    return 0;
}
