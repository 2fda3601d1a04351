//@ category: leaks
//@ points: 2
//@ needs: dmalloc
//! ok: 20000 leaks of 100000 blocks, each reported once with its pointer, size and line

/* A large leak report: 100,000 blocks from three call sites, 20,000 never freed. The report is
 * captured (standard output into a memory file) and every line checked: each leaked block
 * exactly once with its own size and line, no freed block, nothing else. Catches a report that
 * stops early, repeats a block, or mixes up sizes or sites. */
#define _GNU_SOURCE /* memfd_create */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define N 100000

struct rec {
    void *p;
    size_t n;
    int line, seen, leaked;
};

static struct rec r[N];
static char out[8 << 20];

static int by_ptr(const void *a, const void *b) {
    const struct rec *x = a, *y = b;
    return x->p < y->p ? -1 : x->p > y->p;
}

int main(void) {
    uint64_t rng = 91;
    for (int i = 0; i < N; i++) {
        r[i].n = 1 + hl_rand(&rng) % 200;
        switch (i % 3) {
            case 0:
                r[i].line = __LINE__ + 1;
                r[i].p = malloc(r[i].n);
                break;
            case 1:
                r[i].line = __LINE__ + 1;
                r[i].p = calloc(r[i].n, 1);
                break;
            default:
                r[i].line = __LINE__ + 1;
                r[i].p = malloc(r[i].n);
                break;
        }
        CHECK(r[i].p != NULL);
        r[i].leaked = i % 5 == 2;
    }
    for (int i = 0; i < N; i++)
        if (!r[i].leaked) free(r[i].p);

    fflush(stdout);
    int fd = memfd_create("leak-report", 0), saved = dup(STDOUT_FILENO);
    CHECK(fd >= 0 && saved >= 0);
    dup2(fd, STDOUT_FILENO);
    dmalloc_print_leak_report();
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    ssize_t len = pread(fd, out, sizeof out - 1, 0);
    CHECK(len >= 0);
    out[len] = 0;

    qsort(r, N, sizeof r[0], by_ptr);
    int lines = 0;
    for (char *s = out, *nl; *s; s = nl + 1) {
        nl = strchr(s, '\n');
        CHECK_MSG(nl != NULL, "report line without a newline: %.80s", s);
        *nl = 0;
        char file[256];
        int line;
        void *p;
        size_t n;
        CHECK_MSG(sscanf(s, "LEAK CHECK: %255[^:]:%d: allocated object %p with size %zu", file,
                         &line, &p, &n) == 4,
                  "not a leak-report line: %s", s);
        CHECK_MSG(strcmp(file, __FILE__) == 0, "file %s, expected %s: %s", file, __FILE__, s);
        struct rec key = {.p = p}, *e = bsearch(&key, r, N, sizeof r[0], by_ptr);
        CHECK_MSG(e != NULL, "reported a pointer never allocated: %s", s);
        CHECK_MSG(e->leaked, "reported a freed block: %s", s);
        CHECK_MSG(!e->seen, "reported twice: %s", s);
        CHECK_MSG(e->n == n && e->line == line, "expected size %zu line %d: %s", e->n, e->line, s);
        e->seen = 1;
        lines++;
    }
    for (int i = 0; i < N; i++)
        CHECK_MSG(!r[i].leaked || r[i].seen, "leak of %p (%zu bytes, line %d) not reported", r[i].p,
                  r[i].n, r[i].line);
    printf("ok: %d leaks of %d blocks, each reported once with its pointer, size and line\n", lines,
           N);
    return 0;
}
