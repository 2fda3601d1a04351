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
    stats_read();
    for (int i = 0; i < nrows; i++)
        CHECK_MSG(rows[i].blocks == rows[i].used + rows[i].free, "class %u does not add up",
                  rows[i].cls);
    printf("ok: alloc_check_heap holds, and the report adds up\n");
    return 0;
}
