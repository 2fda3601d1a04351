/*
 * workloads.c - the allocator benchmarks of `make bench`, one program, one workload per run:
 *
 *   workloads NAME [SCALE]
 *
 *   larson         server churn: each thread replaces random slots of its own array with
 *                  blocks of 16..1024 bytes, then hands the array to the next round's thread
 *                  (Larson & Krishnan), so frees come from threads that did not allocate
 *   xmalloc        producer/consumer: a producer allocates 16..512-byte blocks in batches, a
 *                  consumer on another thread frees them (xmalloc-test)
 *   simple         one thread, tight malloc/free of 16..256 bytes (glibc bench-malloc-simple)
 *   simple-mt      the same in two threads at once (bench-malloc-thread)
 *   cache-scratch  each thread frees a block allocated by the main thread, then allocates and
 *                  writes small blocks in a loop (Hoard's cache-scratch: passive false sharing)
 *   cache-thrash   two threads allocate, write and free 8-byte blocks (active false sharing)
 *   mstress        many threads, each holding 20000 live objects of 8..2000 bytes, replacing
 *                  them at random (mimalloc-bench's mstress)
 *   realloc        buffers grown by realloc from 16 bytes to 1 MiB, by 1..4 KiB at a time
 *   large          blocks of 128 KiB .. 4 MiB, written once, freed (malloc-large)
 *   frag           a long-lived heap: 200000 live objects, half replaced in rounds with blocks
 *                  of other sizes; reports nothing but its peak RSS matters
 *   large-var      ten live buffers of 1..24 MiB, one replaced at random each step by a new one
 *                  written in full (mimalloc-bench's malloc-large): memory the allocator hands
 *                  back to the kernel must be faulted in again
 *   remote         two threads swap blocks of 8..16000 bytes through one shared table, each
 *                  freeing what it takes out, about half of it the other thread's (rptest, and
 *                  mstress's transfers between threads)
 *   threads        400 short-lived threads, two at a time, each churning a working set of small
 *                  blocks, freeing it and exiting (glibc's bench-malloc-thread): the peak RSS
 *                  shows what a thread's heap costs and whether the next thread reuses it
 *   realloc-mix    a buffer grown by realloc, 1..8 KiB a round, while each round also
 *                  allocates and frees eight blocks of up to 1 MiB
 *   frag-bands     phases of blocks from one size band (16 bytes .. 64 KiB, a new band each
 *                  phase), of which one in sixteen lives on: the peak RSS shows whether memory
 *                  freed in one band serves the next
 *
 * Each is sized to run for about a second under glibc on this project's 2-core machine, so that
 * process start-up (a millisecond) does not weigh in the ratios; SCALE multiplies the work.
 * Everything is deterministic (a fixed xorshift seed per thread). On success the exit status
 * is 0 and the one line printed is "peak_rss_kb N", the process' peak resident set (VmHWM).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long scale = 1;

static inline uint64_t rnd(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void *xmalloc(size_t n) {
    void *p = malloc(n);
    if (p == NULL) {
        fprintf(stderr, "malloc(%zu) failed\n", n);
        exit(1);
    }
    return p;
}

static void run_threads(int n, void *(*fn)(void *), void *args, size_t argsize) {
    pthread_t t[64];
    for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, fn, (char *)args + (size_t)i * argsize);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
}

/* ---- larson ---- */
#define L_SLOTS 4000
typedef struct {
    void **slots;
    uint64_t seed;
    long ops;
} larson_arg;

/* Works on a copy of its argument: the threads' arguments share a cache line, and a seed
 * written there at every step had the two threads' cores trade that line (as much as 2.5x the
 * time of one core running both, and bimodal, as the line falls with the stack's address). */
static void *larson_thread(void *a) {
    larson_arg la = *(larson_arg *)a;
    for (long i = 0; i < la.ops; i++) {
        size_t k = rnd(&la.seed) % L_SLOTS;
        free(la.slots[k]);
        size_t n = 16 + rnd(&la.seed) % 1009;
        la.slots[k] = xmalloc(n);
        memset(la.slots[k], (int)i, 8);
    }
    return NULL;
}

static void larson(void) {
    enum { T = 2, ROUNDS = 10 };
    void **slots[T];
    uint64_t seed = 1;
    for (int t = 0; t < T; t++) {
        slots[t] = xmalloc(L_SLOTS * sizeof(void *));
        for (int i = 0; i < L_SLOTS; i++) slots[t][i] = xmalloc(16 + rnd(&seed) % 1009);
    }
    for (int r = 0; r < ROUNDS; r++) {
        larson_arg args[T];
        for (int t = 0; t < T; t++) /* each round, a thread takes its neighbour's array */
            args[t] = (larson_arg){slots[(t + r) % T], (uint64_t)(r * T + t + 1), 3200000 * scale};
        run_threads(T, larson_thread, args, sizeof args[0]);
    }
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < L_SLOTS; i++) free(slots[t][i]);
        free(slots[t]);
    }
}

/* ---- xmalloc: producer/consumer ----
 * The producer fills batches of BATCH blocks and hands each through a bounded queue (mutex and
 * condition variables, as in xmalloc-test); the consumer frees them. Batching keeps the
 * hand-off cheap next to the allocation work, and the run time free of spin-wait noise. */
#define BATCH  512
#define NBATCH 8
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t nonempty, nonfull;
    void **ring[NBATCH];
    long head, tail; /* batches put / taken */
    long batches;
} queue_t;

static void *producer(void *a) {
    queue_t *q = a;
    uint64_t seed = 7;
    for (long k = 0; k < q->batches; k++) {
        void **batch = xmalloc(BATCH * sizeof(void *));
        for (int i = 0; i < BATCH; i++) {
            batch[i] = xmalloc(16 + rnd(&seed) % 497);
            memset(batch[i], 1, 16);
        }
        pthread_mutex_lock(&q->lock);
        while (q->head - q->tail >= NBATCH) pthread_cond_wait(&q->nonfull, &q->lock);
        q->ring[q->head++ % NBATCH] = batch;
        pthread_cond_signal(&q->nonempty);
        pthread_mutex_unlock(&q->lock);
    }
    return NULL;
}

static void *consumer(void *a) {
    queue_t *q = a;
    for (long k = 0; k < q->batches; k++) {
        pthread_mutex_lock(&q->lock);
        while (q->head == q->tail) pthread_cond_wait(&q->nonempty, &q->lock);
        void **batch = q->ring[q->tail++ % NBATCH];
        pthread_cond_signal(&q->nonfull);
        pthread_mutex_unlock(&q->lock);
        for (int i = 0; i < BATCH; i++) free(batch[i]);
        free(batch);
    }
    return NULL;
}

static void xmalloc_test(void) {
    static queue_t q = {PTHREAD_MUTEX_INITIALIZER,
                        PTHREAD_COND_INITIALIZER,
                        PTHREAD_COND_INITIALIZER,
                        {0},
                        0,
                        0,
                        0};
    q.batches = 16000 * scale;
    pthread_t p, c;
    pthread_create(&p, NULL, producer, &q);
    pthread_create(&c, NULL, consumer, &q);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
}

/* ---- simple, simple-mt ---- */
static void *simple_thread(void *a) {
    long iters = *(long *)a;
    void *keep[16];
    uint64_t seed = 3;
    for (int i = 0; i < 16; i++) keep[i] = xmalloc(16 + rnd(&seed) % 241);
    for (long i = 0; i < iters; i++) {
        size_t n = 16 + (size_t)(i * 37 % 241);
        void *p = xmalloc(n);
        *(volatile char *)p = 1;
        int k = (int)(i & 15);
        free(keep[k]);
        keep[k] = p;
    }
    for (int i = 0; i < 16; i++) free(keep[i]);
    return NULL;
}

static void simple(int threads) {
    long iters[2] = {120000000 * scale / threads, 120000000 * scale / threads};
    if (threads == 1)
        simple_thread(iters);
    else
        run_threads(threads, simple_thread, iters, sizeof iters[0]);
}

/* ---- cache-scratch, cache-thrash ---- */
typedef struct {
    void *given;
    long iters;
} cache_arg;

static void *cache_thread(void *a) {
    cache_arg *ca = a;
    free(ca->given); /* cache-scratch: a block of the main thread's, next to the others' */
    for (long i = 0; i < ca->iters; i++) {
        char *p = xmalloc(8);
        for (int w = 0; w < 50; w++) ((volatile char *)p)[w % 8] = (char)w;
        free(p);
    }
    return NULL;
}

static void cache(int scratch) {
    enum { T = 2 };
    cache_arg args[T];
    for (int t = 0; t < T; t++)
        args[t] = (cache_arg){scratch ? xmalloc(8) : NULL, 20000000 * scale};
    run_threads(T, cache_thread, args, sizeof args[0]);
}

/* ---- mstress ---- */
static void *mstress_thread(void *a) {
    uint64_t seed = *(uint64_t *)a;
    enum { LIVE = 20000 };
    void **live = xmalloc(LIVE * sizeof(void *));
    for (int i = 0; i < LIVE; i++) live[i] = xmalloc(8 + rnd(&seed) % 1993);
    for (long i = 0; i < 400000 * scale; i++) {
        size_t k = rnd(&seed) % LIVE;
        free(live[k]);
        live[k] = xmalloc(8 + rnd(&seed) % 1993);
        *(char *)live[k] = 1;
    }
    for (int i = 0; i < LIVE; i++) free(live[i]);
    free(live);
    return NULL;
}

static void mstress(void) {
    enum { T = 8 };
    uint64_t seeds[T];
    for (int r = 0; r < 2; r++) {
        for (int t = 0; t < T; t++) seeds[t] = (uint64_t)(r * T + t + 11);
        run_threads(T, mstress_thread, seeds, sizeof seeds[0]);
    }
}

/* ---- realloc growth ---- */
static void realloc_growth(void) {
    uint64_t seed = 5;
    enum { N = 8 };
    for (long round = 0; round < 180 * scale; round++) {
        char *b[N] = {0};
        size_t n[N] = {0};
        for (int step = 0; step < 400; step++) {
            for (int i = 0; i < N; i++) {
                size_t to = n[i] + 16 + rnd(&seed) % 4096;
                if (to > (1u << 20)) to = 1u << 20;
                char *q = realloc(b[i], to);
                if (q == NULL) exit(1);
                q[to - 1] = 1;
                b[i] = q;
                n[i] = to;
            }
        }
        for (int i = 0; i < N; i++) free(b[i]);
    }
}

/* ---- large blocks ---- */
static void large(void) {
    uint64_t seed = 9;
    for (long i = 0; i < 15000000 * scale; i++) {
        size_t n = (128u << 10) + rnd(&seed) % (4u << 20);
        char *p = xmalloc(n);
        p[0] = 1;
        p[n / 2] = 2;
        p[n - 1] = 3;
        free(p);
    }
}

/* ---- fragmentation ---- */
static void frag(void) {
    enum { LIVE = 200000 };
    uint64_t seed = 13;
    void **live = xmalloc(LIVE * sizeof(void *));
    for (int i = 0; i < LIVE; i++) live[i] = xmalloc(16 + rnd(&seed) % 128);
    for (int round = 0; round < 12; round++) {
        size_t lo = round % 2 ? 16 : 200, span = round % 2 ? 128 : 1800;
        for (int i = 0; i < LIVE; i++) {
            if (rnd(&seed) % 2) continue;
            free(live[i]);
            live[i] = xmalloc(lo + rnd(&seed) % span);
            memset(live[i], 1, 16);
        }
        for (int i = round % 3; i < LIVE; i += 3) { /* long-lived holes */
            free(live[i]);
            live[i] = xmalloc(16 + rnd(&seed) % 64);
        }
    }
    for (int i = 0; i < LIVE; i++) free(live[i]);
    free(live);
}

/* ---- large-var: large blocks of varying sizes ---- */
static void large_var(void) {
    enum { LIVE = 10 };
    char *live[LIVE] = {0};
    uint64_t seed = 17;
    for (long i = 0; i < 240 * scale; i++) {
        size_t k = rnd(&seed) % LIVE;
        size_t n = (1u << 20) + rnd(&seed) % (23u << 20);
        free(live[k]);
        live[k] = xmalloc(n);
        memset(live[k], (int)i, n);
    }
    for (int k = 0; k < LIVE; k++) free(live[k]);
}

/* ---- remote: frees of the other thread's blocks ---- */
#define R_SLOTS 4096
static _Atomic(void *) r_table[R_SLOTS];

static void *remote_thread(void *a) {
    uint64_t seed = *(uint64_t *)a;
    for (long i = 0; i < 1500000 * scale; i++) {
        size_t n = 8 + rnd(&seed) % 15993;
        char *p = xmalloc(n);
        p[0] = p[n - 1] = 1;
        free(atomic_exchange_explicit(&r_table[rnd(&seed) % R_SLOTS], p, memory_order_acq_rel));
    }
    return NULL;
}

static void remote(void) {
    uint64_t seeds[2] = {19, 23};
    run_threads(2, remote_thread, seeds, sizeof seeds[0]);
    for (int k = 0; k < R_SLOTS; k++) free(atomic_load(&r_table[k]));
}

/* ---- threads: many short-lived threads ---- */
static void *short_thread(void *a) {
    uint64_t seed = *(uint64_t *)a;
    enum { SET = 500 };
    void *set[SET];
    for (int i = 0; i < SET; i++) set[i] = xmalloc(16 + rnd(&seed) % 2033);
    for (int i = 0; i < 25000; i++) {
        size_t k = rnd(&seed) % SET;
        free(set[k]);
        set[k] = xmalloc(16 + rnd(&seed) % 2033);
        *(char *)set[k] = 1;
    }
    for (int i = 0; i < SET; i++) free(set[i]);
    return NULL;
}

static void threads(void) {
    for (long wave = 0; wave < 200 * scale; wave++) {
        uint64_t seeds[2] = {(uint64_t)wave * 2 + 29, (uint64_t)wave * 2 + 30};
        run_threads(2, short_thread, seeds, sizeof seeds[0]);
    }
}

/* ---- realloc-mix: realloc growth among large blocks ---- */
static void realloc_mix(void) {
    uint64_t seed = 31;
    char *buf = NULL, *blocks[8] = {0};
    size_t len = 0;
    for (long round = 0; round < 40000 * scale; round++) {
        if (round % 1000 == 0) { /* a new buffer, as a program reading its next file */
            free(buf);
            buf = NULL;
            len = 0;
        }
        len += 1024 + rnd(&seed) % 7169;
        buf = realloc(buf, len);
        if (buf == NULL) exit(1);
        buf[len - 1] = 1;
        /* A block lives until its place is refilled in the next round: the heap's top stays in
         * use, as in a program whose blocks' lifetimes overlap. */
        for (int i = 0; i < 8; i++) {
            size_t n = 1 + rnd(&seed) % (1u << 20);
            free(blocks[i]);
            blocks[i] = xmalloc(n);
            blocks[i][0] = blocks[i][n - 1] = 1;
        }
    }
    for (int i = 0; i < 8; i++) free(blocks[i]);
    free(buf);
}

/* ---- frag-bands: fragmentation across size bands ---- */
static void frag_bands(void) {
    enum { PHASE_BYTES = 24 << 20, KEEP = 16 };
    static const size_t band[] = {16, 64, 256, 1024, 4096, 16384};
    enum { BANDS = sizeof band / sizeof band[0] };
    uint64_t seed = 37;
    size_t cap = PHASE_BYTES / 16, kept = 0;
    void **survivors = xmalloc(sizeof(void *) * cap);
    void **blocks = xmalloc(sizeof(void *) * cap);
    for (long phase = 0; phase < 2 * BANDS * scale; phase++) {
        size_t lo = band[phase % BANDS], n = 0;
        for (size_t bytes = 0; bytes < PHASE_BYTES && n < cap; n++) {
            size_t size = lo + rnd(&seed) % (3 * lo);
            blocks[n] = xmalloc(size);
            memset(blocks[n], 1, size < 64 ? size : 64);
            bytes += size;
        }
        for (size_t i = 0; i < n; i++) {
            if (i % KEEP == 0 && kept < cap)
                survivors[kept++] = blocks[i];
            else
                free(blocks[i]);
        }
        /* After each pass over the bands the oldest survivors go, as a cache would expire them. */
        if (phase % BANDS == BANDS - 1) {
            for (size_t i = 0; i < kept / 2; i++) free(survivors[i]);
            memmove(survivors, survivors + kept / 2, (kept - kept / 2) * sizeof(void *));
            kept -= kept / 2;
        }
    }
    for (size_t i = 0; i < kept; i++) free(survivors[i]);
    free(survivors);
    free(blocks);
}

/* The peak resident set of this process alone (VmHWM), which the driver reads: ru_maxrss of
 * a child also counts what its parent had resident when it forked. */
static void print_peak_rss(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) return;
    char line[256];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) printf("peak_rss_kb %ld\n", atol(line + 6));
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: workloads NAME [SCALE]\n");
        return 2;
    }
    if (argc > 2) scale = atol(argv[2]);
    const char *w = argv[1];
    if (!strcmp(w, "larson"))
        larson();
    else if (!strcmp(w, "xmalloc"))
        xmalloc_test();
    else if (!strcmp(w, "simple"))
        simple(1);
    else if (!strcmp(w, "simple-mt"))
        simple(2);
    else if (!strcmp(w, "cache-scratch"))
        cache(1);
    else if (!strcmp(w, "cache-thrash"))
        cache(0);
    else if (!strcmp(w, "mstress"))
        mstress();
    else if (!strcmp(w, "realloc"))
        realloc_growth();
    else if (!strcmp(w, "large"))
        large();
    else if (!strcmp(w, "frag"))
        frag();
    else if (!strcmp(w, "large-var"))
        large_var();
    else if (!strcmp(w, "remote"))
        remote();
    else if (!strcmp(w, "threads"))
        threads();
    else if (!strcmp(w, "realloc-mix"))
        realloc_mix();
    else if (!strcmp(w, "frag-bands"))
        frag_bands();
    else {
        fprintf(stderr, "workloads: no workload %s\n", w);
        return 2;
    }
    print_peak_rss();
    return 0;
}
