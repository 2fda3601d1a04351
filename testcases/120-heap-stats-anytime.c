//@ category: heap-report
//@ points: 1
//@ timeout: 10
//@ mode: static
//@ needs: heap-report
//! ok: 200 reports and checks interleaved with allocation: nothing allocated by them
//! ok: the aligned family and large blocks keep the heap consistent

/* The reporters never allocate, so they can be called between any two allocation calls:
 * requests counted before and after a report with no allocation in between are equal. The
 * aligned family and mapped blocks also leave the check holding. */
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

int main(void) {
    void *held[200];
    for (int i = 0; i < 200; i++) {
        held[i] = malloc((size_t)(i * 7 % 900 + 1));
        CHECK(held[i] != NULL);
        if (i % 20 == 0) {
            stats_read();
            unsigned long long r1 = total.requests;
            stats_read();
            CHECK_MSG(total.requests == r1, "malloc_stats allocated: requests %llu -> %llu", r1,
                      total.requests);
        }
        CHECK(alloc_check_heap());
    }
    printf("ok: 200 reports and checks interleaved with allocation: nothing allocated by them\n");
    void *a = NULL;
    CHECK(posix_memalign(&a, 4096, 10000) == 0);
    void *b = aligned_alloc(64, 640);
    void *c = memalign(256, 100);
    void *d = malloc(3u << 20);
    CHECK(b && c && d);
    d = realloc(d, 5u << 20);
    CHECK(d != NULL);
    CHECK(alloc_check_heap());
    free(a), free(b), free(c), free(d);
    for (int i = 0; i < 200; i++) free(held[i]);
    CHECK(alloc_check_heap());
    printf("ok: the aligned family and large blocks keep the heap consistent\n");
    return 0;
}
