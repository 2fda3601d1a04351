//@ category: heap-report
//@ points: 1
//@ timeout: 20
//@ mode: static
//@ needs: heap-report
//! ok: 4 threads made 40000 requests of 100 bytes: the report counts them all
//! ok: the thread heaps are listed

/* Allocations in thread caches are counted in the report: four threads each allocate 10000
 * blocks of 100 bytes, and the requests of that class grow by at least 40000 in st.total. */
#include "alloc.h"
#include "test_runtime.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct hl_stats st;

#define T 4
#define N 10000
static void *blocks[T][N];

static void *worker(void *arg) {
    void **mine = arg;
    for (int i = 0; i < N; i++) mine[i] = malloc(100);
    return NULL;
}

int main(void) {
    hl_stats_read(&st);
    unsigned long long before = hl_stats_row_for(&st, 100)->requests;
    pthread_t th[T];
    for (int t = 0; t < T; t++) CHECK(pthread_create(&th[t], NULL, worker, blocks[t]) == 0);
    for (int t = 0; t < T; t++) CHECK(pthread_join(th[t], NULL) == 0);
    hl_stats_read(&st);
    unsigned long long after = hl_stats_row_for(&st, 100)->requests;
    CHECK_MSG(after - before >= T * N, "requests of the 100-byte class grew by %llu",
              after - before);
    printf("ok: 4 threads made 40000 requests of 100 bytes: the report counts them all\n");
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++) free(blocks[t][i]);
    CHECK(alloc_check_heap());
    printf("ok: the thread heaps are listed\n");
    return 0;
}
