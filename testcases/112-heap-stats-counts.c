//@ category: heap-report
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//@ needs: heap-report
//! ok: 1000 blocks of 40 bytes: requests and in-use of their class grew by 1000
//! ok: freed: frees grew by 1000, in-use back where it was

/* The counters of one size class follow what the program does: 1000 allocations of 40 bytes
 * add 1000 requests and 1000 blocks in use to the class that serves 40 bytes, and freeing them
 * adds 1000 frees and takes in-use back. Nothing else runs in between. */
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

/* The row of the size class that serves n bytes: the first class at least n. */
static inline struct row *row_for(size_t n) {
    for (int i = 0; i < nrows; i++)
        if (rows[i].size >= n) return &rows[i];
    hl_fail(__FILE__, __LINE__, "no size class serves %zu bytes", n);
}

static void *blocks[1000];

int main(void) {
    stats_read();
    struct row before = *row_for(40);
    for (int i = 0; i < 1000; i++) blocks[i] = malloc(40);
    for (int i = 0; i < 1000; i++) CHECK(blocks[i] != NULL);
    stats_read();
    struct row during = *row_for(40);
    CHECK_MSG(during.requests - before.requests == 1000, "requests grew by %llu",
              during.requests - before.requests);
    CHECK_MSG(during.used - before.used == 1000, "in-use grew by %llu", during.used - before.used);
    CHECK_MSG(during.blocks >= during.used, "class has %llu blocks but %llu in use", during.blocks,
              during.used);
    printf("ok: 1000 blocks of 40 bytes: requests and in-use of their class grew by 1000\n");
    for (int i = 0; i < 1000; i++) free(blocks[i]);
    stats_read();
    struct row after = *row_for(40);
    CHECK_MSG(after.frees - during.frees == 1000, "frees grew by %llu", after.frees - during.frees);
    CHECK_MSG(after.used == before.used, "in-use %llu, was %llu before", after.used, before.used);
    printf("ok: freed: frees grew by 1000, in-use back where it was\n");
    return 0;
}
