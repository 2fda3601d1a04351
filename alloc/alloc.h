/*
 * alloc.h - the optional heap-report interface of a heaplab allocator (docs/heap-report.md).
 *
 * The C allocation family (malloc, free, calloc, realloc) and the aligned family are declared by
 * <stdlib.h> and <malloc.h>; an allocator in the slot defines them and this header adds only
 * what libc does not declare. The harness detects each optional function from the built
 * object's symbols, so a slot may leave any of them out.
 */
#ifndef HEAPLAB_ALLOC_H
#define HEAPLAB_ALLOC_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Walks the whole heap and its free lists and checks the allocator's invariants.
 * Returns nonzero when the heap is consistent. Otherwise writes the first broken invariant to
 * standard error and returns 0. Never allocates, so it is safe to call between any two
 * allocation calls.
 */
int alloc_check_heap(void);

/*
 * The report of malloc_stats() (declared by <malloc.h>), on standard error: the header, one row
 * per size class (class, block size, blocks, in use, free, requests, frees), the total row and
 * two summary lines (thread heaps and spans; the boundary-tag heap and the mmap threshold).
 * These formats are its one definition: the allocator prints with them, the test runtime
 * (hl_stats_read) and test 111 read with them, so each number must fit its width.
 */
#define ALLOC_STATS_HEADER                                                                         \
    "malloc_stats: class   size     blocks     in-use       free   requests      frees\n"
#define ALLOC_STATS_ROW   "malloc_stats: %5u %6u %10llu %10llu %10llu %10llu %10llu\n"
#define ALLOC_STATS_TOTAL "malloc_stats: total        %10llu %10llu %10llu %10llu %10llu\n"
#define ALLOC_STATS_SPANS "malloc_stats: thread heaps %llu, spans %llu of %zu bytes\n"
#define ALLOC_STATS_HEAP  "malloc_stats: heap %llu bytes, %llu free; mmap threshold %zu\n"

#ifdef __cplusplus
}
#endif

#endif /* HEAPLAB_ALLOC_H */
