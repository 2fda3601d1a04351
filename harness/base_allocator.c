/* base_allocator.c - CS61's base allocator, for a debugging allocator built on another one.
 *
 * base_malloc(sz) returns a block of at least sz bytes, 16-aligned; base_free(ptr) keeps the
 * block on a free list instead of returning it. Freed memory is never written, never given back
 * to the system, and handed out again at random by a later base_malloc of a size it can hold,
 * so a debugging layer on top sees realistic reuse while the data a buggy program left in a
 * freed block stays readable. base_allocator_disable(true) turns base_malloc and base_free into
 * plain malloc and free (blocks freed before then stay kept).
 *
 * Each block carries a 16-byte header of its own (the capacity) in front of the pointer
 * returned; the free lists live in memory mapped here, so freed blocks are never written.
 * Free blocks are kept in classes by capacity (class k holds capacities in [2^k, 2^(k+1))),
 * and a request of sz takes a random block of its own class when that block fits it, else a
 * random block of the first class whose every block fits. Trying its own class first keeps a
 * program that frees and allocates one size in a loop from growing without bound.
 * Thread-safe: one mutex, held across fork() by handlers registered at the first base_malloc,
 * so that a child forked while another thread is in here finds it unlocked.
 */
#include "../alloc/dmalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#undef malloc
#undef free

#define BASE_HEADER  16
#define BASE_CLASSES 64

struct base_list {
    void **blocks; /* header addresses of free blocks of this class */
    size_t n, cap;
};

static struct base_list base_lists[BASE_CLASSES];
static pthread_mutex_t base_lock = PTHREAD_MUTEX_INITIALIZER;
static bool base_disabled;
static uint64_t base_rng = 0x2545f4914f6cdd1dULL;
static atomic_bool base_forkable;

static void base_fork_prepare(void) {
    pthread_mutex_lock(&base_lock);
}

static void base_fork_parent(void) {
    pthread_mutex_unlock(&base_lock);
}

/* The child has one thread: a fresh mutex is right whoever held the old one. */
static void base_fork_child(void) {
    pthread_mutex_init(&base_lock, NULL);
}

static unsigned floor_log2(size_t x) {
    return x ? 63u - (unsigned)__builtin_clzll(x) : 0;
}

static bool base_push(struct base_list *l, void *h) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 512;
        void **b = mmap(NULL, cap * sizeof(void *), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (b == MAP_FAILED) return false;
        if (l->n) memcpy(b, l->blocks, l->n * sizeof(void *));
        if (l->blocks) munmap(l->blocks, l->cap * sizeof(void *));
        l->blocks = b;
        l->cap = cap;
    }
    l->blocks[l->n++] = h;
    return true;
}

void *base_malloc(size_t sz) {
    if (sz > SIZE_MAX - 2 * BASE_HEADER) return NULL;
    /* Outside the lock, since pthread_atfork may itself allocate. */
    if (!atomic_load_explicit(&base_forkable, memory_order_relaxed) &&
        !atomic_exchange(&base_forkable, true))
        pthread_atfork(base_fork_prepare, base_fork_parent, base_fork_child);
    pthread_mutex_lock(&base_lock);
    if (!base_disabled) {
        /* Class k holds capacities >= 2^k: the first class at or above ceil(log2(sz)) fits;
         * sz's own class, below it unless sz is a power of two, fits only some. */
        unsigned k = sz <= 1 ? 0 : floor_log2(sz - 1) + 1;
        for (unsigned c = floor_log2(sz); c < BASE_CLASSES && c <= k + 2; c++) {
            struct base_list *l = &base_lists[c];
            if (l->n == 0) continue;
            base_rng ^= base_rng << 13, base_rng ^= base_rng >> 7, base_rng ^= base_rng << 17;
            size_t i = (size_t)(base_rng % l->n);
            size_t *h = l->blocks[i];
            if (h[0] < sz) continue;
            l->blocks[i] = l->blocks[--l->n];
            pthread_mutex_unlock(&base_lock);
            return (char *)h + BASE_HEADER;
        }
    }
    pthread_mutex_unlock(&base_lock);
    size_t cap = sz ? sz : 1; /* the capacity recorded in the header */
    size_t *h = malloc(cap + BASE_HEADER);
    if (h == NULL) return NULL;
    h[0] = cap;
    return (char *)h + BASE_HEADER;
}

void base_free(void *ptr) {
    if (ptr == NULL) return;
    size_t *h = (size_t *)((char *)ptr - BASE_HEADER);
    pthread_mutex_lock(&base_lock);
    bool keep = !base_disabled && base_push(&base_lists[floor_log2(h[0])], h);
    pthread_mutex_unlock(&base_lock);
    if (!keep) free(h);
}

void base_allocator_disable(bool disabled) {
    pthread_mutex_lock(&base_lock);
    base_disabled = disabled;
    pthread_mutex_unlock(&base_lock);
}
