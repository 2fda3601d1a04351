//@ category: statistics
//@ points: 2
//@ timeout: 20
//@ needs: dmalloc
//! ok: 4 threads x 20000 operations: statistics agree with the threads' own counts

/* The statistics under threads: four threads allocate and free at once, each counting what it
 * did. A debugging layer without a lock loses updates (nactive or total_size off at the end) or
 * corrupts its block table. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <pthread.h>
#include <stdio.h>

#define THREADS 4
#define OPS     20000

static unsigned long long ntotal[THREADS], total[THREADS];

static void *work(void *arg) {
    uintptr_t t = (uintptr_t)arg;
    uint64_t rng = 61 + t;
    void *slot[64] = {0};
    for (int op = 0; op < OPS; op++) {
        size_t i = hl_rand(&rng) % 64;
        if (slot[i]) {
            free(slot[i]);
            slot[i] = NULL;
        } else {
            size_t n = 1 + hl_rand(&rng) % 256;
            slot[i] = malloc(n);
            CHECK(slot[i] != NULL);
            ntotal[t]++;
            total[t] += n;
        }
    }
    for (int i = 0; i < 64; i++) free(slot[i]);
    return NULL;
}

int main(void) {
    pthread_t th[THREADS];
    for (uintptr_t t = 0; t < THREADS; t++)
        CHECK(pthread_create(&th[t], NULL, work, (void *)t) == 0);
    unsigned long long n = 0, bytes = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        n += ntotal[t];
        bytes += total[t];
    }
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    CHECK_MSG(st.ntotal == n, "ntotal: dmalloc says %llu, the threads counted %llu", st.ntotal, n);
    CHECK_MSG(st.total_size == bytes, "total_size: dmalloc says %llu, the threads counted %llu",
              st.total_size, bytes);
    CHECK_MSG(st.nactive == 0, "nactive: dmalloc says %llu, all blocks were freed", st.nactive);
    CHECK_MSG(st.active_size == 0, "active_size: dmalloc says %llu, all blocks were freed",
              st.active_size);
    printf("ok: %d threads x %d operations: statistics agree with the threads' own counts\n",
           THREADS, OPS);
    return 0;
}
