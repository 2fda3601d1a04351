/* dlsym_next.c - a submission that takes its memory from the next malloc in the search order,
 * libc's, found with dlsym(RTLD_NEXT, "malloc"). The tracker names it as it does
 * forward_libc.c: its blocks lie in libc's heap, which it never obtained.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <string.h>

static void *(*next_malloc)(size_t);
static void (*next_free)(void *);
static void *(*next_realloc)(void *, size_t);

/* dlsym allocates while it looks the names up: those few blocks come from here. */
static char early[4096];
static size_t early_used;
static int resolving;

static void resolve(void) {
    if (next_malloc || resolving) return;
    resolving = 1;
    next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    resolving = 0;
}

static int is_early(const void *p) {
    return (const char *)p >= early && (const char *)p < early + sizeof early;
}

void *malloc(size_t size) {
    resolve();
    if (!next_malloc) {
        size_t at = (early_used + 15) & ~(size_t)15;
        if (at + size > sizeof early) return NULL;
        early_used = at + size;
        return early + at;
    }
    return next_malloc(size);
}

void free(void *p) {
    resolve();
    if (p && !is_early(p) && next_free) next_free(p);
}

void *calloc(size_t count, size_t size) {
    if (size && count > (size_t)-1 / size) return NULL;
    void *p = malloc(count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

void *realloc(void *p, size_t size) {
    resolve();
    if (is_early(p)) {
        void *q = malloc(size);
        if (q) memcpy(q, p, size < sizeof early ? size : sizeof early);
        return q;
    }
    return next_realloc(p, size);
}
