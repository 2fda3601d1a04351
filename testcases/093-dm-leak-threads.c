//@ category: leaks
//@ points: 2
//@ timeout: 20
//@ needs: dmalloc
//! ok: 8 threads leaked 4000 blocks, each reported once with its pointer, size and line

/* Leaks from many threads (not in CS61's public suite): eight threads allocate 2,000 blocks
 * each at once and free all but 500. The captured report must list each of the 4,000 leaks
 * exactly once. Catches a per-thread record that the report does not see, and a block list
 * corrupted by unlocked concurrent inserts. */
#define _GNU_SOURCE /* memfd_create */
#include "test_runtime.h"

#include "dmalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define THREADS 8
#define PER     2000
#define N       (THREADS * PER)

struct rec {
    void *p;
    size_t n;
    int line, seen, leaked;
};

static struct rec r[N];
static char out[4 << 20];

static int by_ptr(const void *a, const void *b) {
    const struct rec *x = a, *y = b;
    return x->p < y->p ? -1 : x->p > y->p;
}

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
        CHECK_MSG(e != NULL, "reported a pointer not allocated or freed: %s", s);
        CHECK_MSG(e->leaked, "reported a freed block: %s", s);
        CHECK_MSG(!e->seen, "reported twice: %s", s);
        CHECK_MSG(e->n == n && e->line == line, "expected size %zu line %d: %s", e->n, e->line, s);
        e->seen = 1;
        lines++;
    }
    for (int i = 0; i < N; i++)
        CHECK_MSG(!r[i].leaked || r[i].seen, "leak of %p (%zu bytes, line %d) not reported", r[i].p,
                  r[i].n, r[i].line);
    printf("ok: %d threads leaked %d blocks, each reported once with its pointer, size and line\n",
           THREADS, lines);
    return 0;
}
