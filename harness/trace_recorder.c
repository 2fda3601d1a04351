/*
 * trace_recorder.c - logs a program's malloc-family requests, for recording malloc-lab traces
 * from real programs (`make record-trace`, grader/trace_record.py, docs/performance.md).
 *
 *   HEAPLAB_TRACE_DIR=DIR LD_PRELOAD=build/bin/trace_recorder.so PROGRAM...
 *
 * Every process (a program's children and what they exec load it again) writes DIR/PID.log,
 * one request a line, in pointers rather than ids: `m PTR SIZE`, `c PTR N SIZE`,
 * `r OLD NEW SIZE`, `f PTR` (hexadecimal pointers, decimal sizes). The aligned family is logged
 * as malloc of its size: the trace format has no alignment. The requests are served by glibc's
 * allocator, through the names it exports for that (__libc_malloc...), so the program runs as
 * it would without the recorder. The log is written in 64 KiB pieces and at exit; what a process
 * requests after its last full piece is lost if it ends by _exit or exec, which only a process
 * that is about to become another program does.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *ptr, size_t size);
void __libc_free(void *ptr);
void *__libc_memalign(size_t alignment, size_t size);

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char buf[1 << 16];
static size_t used;
static int log_fd = -1;
static bool disabled; /* no HEAPLAB_TRACE_DIR, or its file could not be opened */

static void flush_locked(void) {
    size_t done = 0;
    while (log_fd >= 0 && done < used) {
        ssize_t n = write(log_fd, buf + done, used - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += (size_t)n;
    }
    used = 0;
}

/* Appends a decimal or hexadecimal number, without printf, which may allocate. */
static void put_number(uintmax_t v, unsigned base) {
    char digits[32];
    size_t n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n) buf[used++] = digits[--n];
}

static void open_log_locked(void) {
    const char *dir = getenv("HEAPLAB_TRACE_DIR");
    if (!dir || strlen(dir) > 3900) {
        disabled = true;
        return;
    }
    char path[4096];
    size_t len = strlen(dir);
    memcpy(path, dir, len);
    path[len++] = '/';
    used = 0;
    put_number((uintmax_t)getpid(), 10);
    memcpy(path + len, buf, used);
    memcpy(path + len + used, ".log", 5);
    used = 0;
    log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) disabled = true;
}

/* One request: its letter and up to three numbers, the pointers among them in hexadecimal. */
static void record(char kind, uintmax_t a, bool a_hex, uintmax_t b, bool b_hex, uintmax_t c,
                   int count) {
    if (disabled) return;
    int saved = errno; /* the program must not see the logging's errors */
    pthread_mutex_lock(&log_lock);
    if (log_fd < 0 && !disabled) open_log_locked();
    if (!disabled) {
        if (used > sizeof buf - 128) flush_locked();
        buf[used++] = kind;
        uintmax_t values[3] = {a, b, c};
        bool hex[3] = {a_hex, b_hex, false};
        for (int i = 0; i < count; i++) {
            buf[used++] = ' ';
            put_number(values[i], hex[i] ? 16 : 10);
        }
        buf[used++] = '\n';
    }
    pthread_mutex_unlock(&log_lock);
    errno = saved;
}

/* A forked child writes a log of its own, without what its parent had not written yet. */
static void in_child(void) {
    used = 0;
    if (log_fd >= 0) close(log_fd);
    log_fd = -1;
    pthread_mutex_init(&log_lock, NULL);
}

__attribute__((constructor)) static void start(void) {
    pthread_atfork(NULL, NULL, in_child);
}

__attribute__((destructor)) static void finish(void) {
    pthread_mutex_lock(&log_lock);
    flush_locked();
    pthread_mutex_unlock(&log_lock);
}

void *malloc(size_t size) {
    void *p = __libc_malloc(size);
    record('m', (uintptr_t)p, true, size, false, 0, 2);
    return p;
}

void *calloc(size_t n, size_t size) {
    void *p = __libc_calloc(n, size);
    record('c', (uintptr_t)p, true, n, false, size, 3);
    return p;
}

void *realloc(void *ptr, size_t size) {
    void *p = __libc_realloc(ptr, size);
    record('r', (uintptr_t)ptr, true, (uintptr_t)p, true, size, 3);
    return p;
}

void free(void *ptr) {
    record('f', (uintptr_t)ptr, true, 0, false, 0, 1);
    __libc_free(ptr);
}

static void *aligned(size_t alignment, size_t size) {
    void *p = __libc_memalign(alignment, size);
    record('m', (uintptr_t)p, true, size, false, 0, 2);
    return p;
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = aligned(alignment, size);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    return aligned(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    return aligned(alignment, size);
}

void *valloc(size_t size) {
    return aligned((size_t)sysconf(_SC_PAGESIZE), size);
}

void *pvalloc(size_t size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return aligned(page, (size + page - 1) & ~(page - 1));
}
