//@ category: heap-report
//@ points: 1
//@ timeout: 20
//@ mode: static
//@ needs: heap-report
//! ok: 4 threads made 40000 requests of 100 bytes: the report counts them all
//! ok: the thread heaps are listed

/* Allocations in thread caches are counted in the report: four threads each allocate 10000
 * blocks of 100 bytes, and the requests of that class grow by at least 40000 in total. */
#include "alloc.h"
#include "test_runtime.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Runs malloc_stats() with standard error sent to a temporary file and parses its rows:
 * "malloc_stats: CLASS SIZE BLOCKS IN-USE FREE REQUESTS FREES" and the "total" row. */
struct row {
    unsigned cls, size;
    unsigned long long blocks, used, free, requests, frees;
};

static struct row rows[64], total;
static int nrows;
static char text[16384];

static void stats_read(void) {
    fflush(stderr);
    char path[] = "/tmp/heaplab-stats-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    unlink(path);
    int saved = dup(2);
    CHECK(saved >= 0 && dup2(fd, 2) == 2);
    malloc_stats();
    CHECK(dup2(saved, 2) == 2);
    close(saved);
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    close(fd);
    CHECK(n > 0);
    text[n] = '\0';
    nrows = 0;
    int have_total = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        struct row r;
        if (sscanf(line, "malloc_stats: %u %u %llu %llu %llu %llu %llu", &r.cls, &r.size, &r.blocks,
                   &r.used, &r.free, &r.requests, &r.frees) == 7) {
            CHECK(nrows < 64);
            rows[nrows++] = r;
        } else if (sscanf(line, "malloc_stats: total %llu %llu %llu %llu %llu", &total.blocks,
                          &total.used, &total.free, &total.requests, &total.frees) == 5) {
            have_total = 1;
        }
    }
    CHECK_MSG(nrows > 0, "no size-class rows in malloc_stats output");
    CHECK_MSG(have_total, "no total row in malloc_stats output");
}

/* The row of the size class that serves n bytes: the first class at least n. */
static inline struct row *row_for(size_t n) {
    for (int i = 0; i < nrows; i++)
        if (rows[i].size >= n) return &rows[i];
    hl_fail(__FILE__, __LINE__, "no size class serves %zu bytes", n);
}

#define T 4
#define N 10000
static void *blocks[T][N];

static void *worker(void *arg) {
    void **mine = arg;
    for (int i = 0; i < N; i++) mine[i] = malloc(100);
    return NULL;
}

int main(void) {
    stats_read();
    unsigned long long before = row_for(100)->requests;
    pthread_t th[T];
    for (int t = 0; t < T; t++) CHECK(pthread_create(&th[t], NULL, worker, blocks[t]) == 0);
    for (int t = 0; t < T; t++) CHECK(pthread_join(th[t], NULL) == 0);
    stats_read();
    unsigned long long after = row_for(100)->requests;
    CHECK_MSG(after - before >= T * N, "requests of the 100-byte class grew by %llu",
              after - before);
    printf("ok: 4 threads made 40000 requests of 100 bytes: the report counts them all\n");
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++) free(blocks[t][i]);
    CHECK(alloc_check_heap());
    printf("ok: the thread heaps are listed\n");
    return 0;
}
