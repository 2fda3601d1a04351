/*
 * alloc.h - the optional heap-report interface of a heaplab allocator (SPEC.md §3.2).
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
 * allocation calls (the trace driver's --check-heap mode does so after every operation).
 */
int alloc_check_heap(void);

#ifdef __cplusplus
}
#endif

#endif /* HEAPLAB_ALLOC_H */
