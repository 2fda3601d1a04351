//@ category: heap-report
//@ points: 2
//@ timeout: 30
//@ mode: static
//@ needs: heap-report
//! ok: 4 threads allocated, freed each other's blocks and exited
//! ok: alloc_check_heap holds, and the report adds up

/* Thread caches and frees from other threads must leave the heap consistent: after threads
 * that allocate, hand blocks to each other and exit, the check holds and every class row of
 * malloc_stats still satisfies blocks == in-use + free. */
#include "alloc.h"
#include "test_runtime.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct hl_stats st;

#define T 4
#define N 20000
static void *slots[T][N];

static void *worker(void *arg) {
    int t = (int)(intptr_t)arg;
    uint64_t rng = 104 + (uint64_t)t;
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < N; i++) {
            int victim = (t + round) % T; /* frees blocks another thread may have allocated */
            (void)victim;
            free(__atomic_exchange_n(&slots[t][i], malloc(1 + hl_rand(&rng) % 1500),
                                     __ATOMIC_ACQ_REL));
        }
        for (int i = 0; i < N; i += 3)
            free(__atomic_exchange_n(&slots[(t + 1) % T][i], NULL, __ATOMIC_ACQ_REL));
    }
    return NULL;
}

int main(void) {
    pthread_t th[T];
    for (int t = 0; t < T; t++)
        CHECK(pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t) == 0);
    for (int t = 0; t < T; t++) CHECK(pthread_join(th[t], NULL) == 0);
    printf("ok: 4 threads allocated, freed each other's blocks and exited\n");
    CHECK(alloc_check_heap());
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++) free(slots[t][i]);
    CHECK(alloc_check_heap());
    hl_stats_read(&st);
    for (int i = 0; i < st.nrows; i++)
        CHECK_MSG(st.rows[i].blocks == st.rows[i].used + st.rows[i].free,
                  "class %u does not add up", st.rows[i].cls);
    printf("ok: alloc_check_heap holds, and the report adds up\n");
    return 0;
}
