//@ category: heap-report
//@ points: 2
//@ timeout: 20
//@ mode: static preload
//@ needs: heap-report
//! ok: size classes increase in multiples of 16
//! ok: every row: blocks == in-use + free, in-use == requests - frees
//! ok: the total row is the sum of the rows

/* The report is consistent with itself after a random workload: each class's blocks are
 * either in use or free, in-use is requests minus frees, and the total row adds up. */
#include "alloc.h"
#include "test_runtime.h"

#include <malloc.h>
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

#define N 20000
static void *live[N];

static void check_rows(void) {
    stats_read();
    unsigned long long b = 0, u = 0, f = 0, r = 0, fr = 0;
    for (int i = 0; i < nrows; i++) {
        struct row *x = &rows[i];
        CHECK_MSG(x->blocks == x->used + x->free, "class %u: %llu blocks != %llu + %llu", x->cls,
                  x->blocks, x->used, x->free);
        CHECK_MSG(x->used == x->requests - x->frees, "class %u: in-use %llu != %llu - %llu", x->cls,
                  x->used, x->requests, x->frees);
        b += x->blocks, u += x->used, f += x->free, r += x->requests, fr += x->frees;
    }
    CHECK_MSG(b == total.blocks && u == total.used && f == total.free && r == total.requests &&
                  fr == total.frees,
              "total row does not add up");
}

int main(void) {
    uint64_t rng = 102;
    stats_read();
    for (int i = 0; i < nrows; i++) {
        CHECK_MSG(rows[i].size % 16 == 0, "class %u: size %u", rows[i].cls, rows[i].size);
        CHECK_MSG(i == 0 || rows[i].size > rows[i - 1].size, "class %u: size %u not increasing",
                  rows[i].cls, rows[i].size);
    }
    printf("ok: size classes increase in multiples of 16\n");
    for (int round = 0; round < 5; round++) {
        for (int k = 0; k < 4 * N; k++) {
            int i = (int)(hl_rand(&rng) % N);
            free(live[i]);
            live[i] = malloc(1 + hl_rand(&rng) % (round % 2 ? 4000 : 300));
            CHECK(live[i] != NULL);
        }
        check_rows();
    }
    for (int i = 0; i < N; i++) free(live[i]);
    check_rows();
    printf("ok: every row: blocks == in-use + free, in-use == requests - frees\n");
    printf("ok: the total row is the sum of the rows\n");
    return 0;
}
