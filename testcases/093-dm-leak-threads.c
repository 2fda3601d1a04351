//@ category: leaks
//@ points: 2
//@ timeout: 20
//@ needs: dmalloc
//! ok: 8 threads leaked 4000 blocks, each reported once with its pointer, size and line

/* Leaks from many threads (not in CS61's public suite): eight threads allocate 2,000 blocks
 * each at once and free all but 500. The captured report must list each of the 4,000 leaks
 * exactly once. Catches a per-thread record that the report does not see, and a block list
 * corrupted by unlocked concurrent inserts. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 8
#define PER     2000
#define N       (THREADS * PER)

static struct hl_block r[N];

static void *work(void *arg) {
    int t = (int)(uintptr_t)arg;
    uint64_t rng = 93 + (uint64_t)t;
    for (int i = t * PER; i < (t + 1) * PER; i++) {
        r[i].n = 1 + hl_rand(&rng) % 300;
        if (i % 2) {
            r[i].line = __LINE__ + 1;
            r[i].p = malloc(r[i].n);
        } else {
            r[i].line = __LINE__ + 1;
            r[i].p = calloc(1, r[i].n);
        }
        CHECK(r[i].p != NULL);
        r[i].leaked = i % 4 == 1;
    }
    for (int i = t * PER; i < (t + 1) * PER; i++) {
        if (r[i].leaked) continue;
        free(r[i].p);
        r[i].p = NULL; /* its address may be handed out again, to a leaked block */
    }
    return NULL;
}

int main(void) {
    pthread_t th[THREADS];
    for (uintptr_t t = 0; t < THREADS; t++)
        CHECK(pthread_create(&th[t], NULL, work, (void *)t) == 0);
    for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);

    size_t lines = hl_check_leak_report(dmalloc_print_leak_report, __FILE__, r, N);
    printf("ok: %d threads leaked %zu blocks, each reported once with its pointer, size and line\n",
           THREADS, lines);
    return 0;
}
