/* Broken (debugging layer): free finds a block's record by scanning a list of every live block
 * (as CS61 students often do), so freeing n blocks costs O(n^2): correct, but half a million
 * frees take minutes. Like many such layers, its list lock is not held across fork(), so a child
 * forked while another thread frees can hang, which the fork test catches most of the time. */
//@ loses: 64
//@ may-lose: 110 (a child hangs only if one of the 300 forks lands while the other thread holds the list lock: usual, but a matter of scheduling)
#define ZOO_OWN_DMALLOC_MALLOC
#define ZOO_OWN_DMALLOC_FREE
#define ZOO_OWN_DMALLOC_CALLOC
#define ZOO_OWN_DMALLOC_REALLOC
#include "zoo.h"

static void **live;
static size_t nlive, cap;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

static void *remember(void *p) {
    if (p == NULL) return p;
    pthread_mutex_lock(&live_lock);
    if (nlive == cap) {
        size_t ncap = cap ? 2 * cap : 4096;
        void **n = dm_map(ncap * sizeof(void *));
        if (nlive) memcpy(n, live, nlive * sizeof(void *));
        if (live) munmap(live, cap * sizeof(void *));
        live = n;
        cap = ncap;
    }
    live[nlive++] = p;
    pthread_mutex_unlock(&live_lock);
    return p;
}

static void forget(void *p) {
    pthread_mutex_lock(&live_lock);
    for (size_t i = 0; i < nlive; i++) {
        if (live[i] == p) {
            live[i] = live[--nlive];
            break;
        }
    }
    pthread_mutex_unlock(&live_lock);
}

void *dmalloc_malloc(size_t sz, const char *file, long line) {
    return remember(ref_dmalloc_malloc(sz, file, line));
}

void *dmalloc_calloc(size_t nmemb, size_t sz, const char *file, long line) {
    return remember(ref_dmalloc_calloc(nmemb, sz, file, line));
}

void dmalloc_free(void *ptr, const char *file, long line) {
    if (ptr) forget(ptr);
    ref_dmalloc_free(ptr, file, line);
}

void *dmalloc_realloc(void *ptr, size_t sz, const char *file, long line) {
    void *moved = ref_dmalloc_realloc(ptr, sz, file, line);
    if (moved && ptr) forget(ptr);
    return remember(moved);
}
