/*
 * internal.h - what the reference allocator (alloc.c) and the reference debugging layer
 * (dmalloc.c) share: their lock and their reporter. Not part of any contract: a student's
 * allocator or layer does not include it.
 */
#ifndef HEAPLAB_INTERNAL_H
#define HEAPLAB_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/single_threaded.h>
#include <unistd.h>

/* A mutex that is not taken while the process has a single thread, as glibc's own malloc
 * does: an uncontended lock and unlock still cost two atomic instructions per call, which is
 * most of a medium or large allocation. glibc clears __libc_single_threaded before the second
 * thread starts, and no thread can start while the only one is inside the allocator, so a
 * section entered without the mutex also ends without it. Fork handlers use the mutex itself. */
typedef struct {
    pthread_mutex_t mutex;
    bool elided; /* the section now open was entered single-threaded */
} lock_t;

#define LOCK_INITIALIZER                                                                           \
    { PTHREAD_MUTEX_INITIALIZER, false }

static inline void lock_take(lock_t *l) {
    if (__libc_single_threaded)
        l->elided = true;
    else
        pthread_mutex_lock(&l->mutex);
}

static inline void lock_give(lock_t *l) {
    if (l->elided)
        l->elided = false;
    else
        pthread_mutex_unlock(&l->mutex);
}

/* Formats on the stack and write(2)s to standard error: it never allocates, so an allocator
 * can report from between any two of its own steps. */
__attribute__((format(printf, 1, 2))) static inline void report(const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    for (size_t off = 0; off < len;) {
        ssize_t w = write(STDERR_FILENO, buf + off, len - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
}

#endif /* HEAPLAB_INTERNAL_H */
