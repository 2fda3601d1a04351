/*
 * dmalloc.h - the debugging-allocator interface of a heaplab allocator: the CS61/Yale "dmalloc"
 * contract. CS61's handout header names (dmalloc.hh, m61.hh, m61.h) are served by
 * alloc/handout/, which includes this file.
 *
 * A slot that defines dmalloc_malloc, dmalloc_free and dmalloc_get_statistics unlocks the
 * statistics, errors, boundary, leaks and heavy-hitters tests; a test calling one of the other
 * functions (dmalloc_realloc, say) is missing-interface for a slot that lacks it. The slot may
 * define these alone, on base_malloc and base_free, and no malloc: in C, or in C++ including
 * this header (or dmalloc.hh), whose declarations give the definitions C linkage. A program that includes this
 * header has its malloc, free, calloc and realloc calls routed to the dmalloc_* functions with
 * the caller's __FILE__ and __LINE__, unless DMALLOC_DISABLE is defined before the include.
 *
 * Messages (exact; tests match them). Errors go to standard error, then the program stops:
 * abort(), or exit with a nonzero status (the tests accept either):
 *   MEMORY BUG: FILE:LINE: invalid free of pointer PTR, not in heap
 *   MEMORY BUG: FILE:LINE: invalid free of pointer PTR, double free
 *   MEMORY BUG: FILE:LINE: invalid free of pointer PTR, not allocated
 *     FILE:LINE: PTR is N bytes inside a M byte region allocated here
 *   MEMORY BUG: FILE:LINE: detected wild write during free of pointer PTR
 * (realloc says `invalid realloc of pointer`). Reports go to standard output:
 *   LEAK CHECK: FILE:LINE: allocated object PTR with size N
 *   HEAVY HITTER: FILE:LINE: N bytes (~P.P%)
 *   alloc count: active %10llu   total %10llu   fail %10llu
 *   alloc size:  active %10llu   total %10llu   fail %10llu
 *
 * The harness also provides, for a debugging layer built on another allocator, CS61's base
 * allocator (harness/base_allocator.c, linked into every test program): base_malloc and
 * base_free reuse freed blocks at random and never modify or return freed memory, so a
 * use-after-free or a double free shows in the layer above rather than in the base.
 */
#ifndef HEAPLAB_DMALLOC_H
#define HEAPLAB_DMALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h> /* before the macros below, so its declarations are not rewritten */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dmalloc_statistics {
    unsigned long long nactive, active_size; /* live allocations, their bytes */
    unsigned long long ntotal, total_size;   /* successful allocations ever, their bytes */
    unsigned long long nfail, fail_size;     /* failed attempts, bytes requested by them */
    /* The lowest payload byte ever handed out, and one past the highest (CS61's tests since
     * 2018 check p + size <= heap_max and take an address at heap_max to be outside). */
    uintptr_t heap_min, heap_max;
} dmalloc_statistics;

void *dmalloc_malloc(size_t sz, const char *file, long line);
void dmalloc_free(void *ptr, const char *file, long line);
void *dmalloc_calloc(size_t nmemb, size_t sz, const char *file, long line);
void *dmalloc_realloc(void *ptr, size_t sz, const char *file, long line);
void dmalloc_get_statistics(dmalloc_statistics *stats);
void dmalloc_print_statistics(void);
void dmalloc_print_leak_report(void);
void dmalloc_print_heavy_hitter_report(void);

/* CS61's base allocator: with the base enabled (the default), freed blocks are kept, never
 * written, and handed out again at random; base_allocator_disable(true) makes base_malloc and
 * base_free plain malloc and free. */
void *base_malloc(size_t sz);
void base_free(void *ptr);
void base_allocator_disable(bool disabled);

#ifdef __cplusplus
}
#endif

#ifndef DMALLOC_DISABLE
#define malloc(sz)        dmalloc_malloc((sz), __FILE__, __LINE__)
#define free(ptr)         dmalloc_free((ptr), __FILE__, __LINE__)
#define calloc(nmemb, sz) dmalloc_calloc((nmemb), (sz), __FILE__, __LINE__)
#define realloc(ptr, sz)  dmalloc_realloc((ptr), (sz), __FILE__, __LINE__)
#endif

#endif /* HEAPLAB_DMALLOC_H */
