/* zoo.h - the base of every broken allocator in the zoo: the reference allocator and the
 * reference debugging layer, renamed.
 *
 * A zoo member is the reference allocator with exactly one bug, so that the tests it loses are
 * the tests that catch that bug and no others. It defines ZOO_OWN_<FUNCTION> for each public
 * function it replaces, includes this file, then defines those functions, calling the
 * reference's through ref_<function>. Every other public function forwards unchanged.
 *
 * The debugging interface (dmalloc.h) works the same way: ZOO_OWN_DMALLOC_FREE, then
 * dmalloc_free defined by the member, calling ref_dmalloc_free. A member may also use the
 * reference's static helpers (dm_*), since the reference is compiled into the same file. Here
 * the layer stands on the reference allocator itself rather than on base_malloc, whose malloc
 * would be the member's: so a bug in a member's malloc costs the malloc tests alone, and a bug
 * in its layer the layer's tests alone.
 */
#ifndef HEAPLAB_ZOO_H
#define HEAPLAB_ZOO_H

#define malloc                            ref_malloc
#define free                              ref_free
#define calloc                            ref_calloc
#define realloc                           ref_realloc
#define posix_memalign                    ref_posix_memalign
#define aligned_alloc                     ref_aligned_alloc
#define memalign                          ref_memalign
#define valloc                            ref_valloc
#define pvalloc                           ref_pvalloc
#define malloc_usable_size                ref_malloc_usable_size
#define dmalloc_malloc                    ref_dmalloc_malloc
#define dmalloc_free                      ref_dmalloc_free
#define dmalloc_calloc                    ref_dmalloc_calloc
#define dmalloc_realloc                   ref_dmalloc_realloc
#define dmalloc_get_statistics            ref_dmalloc_get_statistics
#define dmalloc_print_statistics          ref_dmalloc_print_statistics
#define dmalloc_print_leak_report         ref_dmalloc_print_leak_report
#define dmalloc_print_heavy_hitter_report ref_dmalloc_print_heavy_hitter_report
#include "../../../alloc/alloc.c"
#define base_malloc ref_malloc
#define base_free   ref_free
#include "../../../alloc/dmalloc.c"
#undef base_malloc
#undef base_free
#undef dmalloc_malloc
#undef dmalloc_free
#undef dmalloc_calloc
#undef dmalloc_realloc
#undef dmalloc_get_statistics
#undef dmalloc_print_statistics
#undef dmalloc_print_leak_report
#undef dmalloc_print_heavy_hitter_report
#undef malloc
#undef free
#undef calloc
#undef realloc
#undef posix_memalign
#undef aligned_alloc
#undef memalign
#undef valloc
#undef pvalloc
#undef malloc_usable_size

/* The headers' declarations were renamed with the definitions; declare the C library's real
 * names, which members may call before defining them. The dmalloc functions need none: each is
 * defined below, or by the member before its first call (lint compiles every member). */
void *malloc(size_t size);
void free(void *ptr);
void *calloc(size_t nmemb, size_t size);
void *realloc(void *ptr, size_t size);
int posix_memalign(void **out, size_t alignment, size_t size);
void *aligned_alloc(size_t alignment, size_t size);
void *memalign(size_t alignment, size_t size);
void *valloc(size_t size);
void *pvalloc(size_t size);
size_t malloc_usable_size(void *ptr);

#ifndef ZOO_OWN_MALLOC
void *malloc(size_t size) {
    return ref_malloc(size);
}
#endif
#ifndef ZOO_OWN_FREE
void free(void *ptr) {
    ref_free(ptr);
}
#endif
#ifndef ZOO_OWN_CALLOC
void *calloc(size_t nmemb, size_t size) {
    return ref_calloc(nmemb, size);
}
#endif
#ifndef ZOO_OWN_REALLOC
void *realloc(void *ptr, size_t size) {
    return ref_realloc(ptr, size);
}
#endif
#ifndef ZOO_OWN_POSIX_MEMALIGN
int posix_memalign(void **out, size_t alignment, size_t size) {
    return ref_posix_memalign(out, alignment, size);
}
#endif
void *aligned_alloc(size_t alignment, size_t size) {
    return ref_aligned_alloc(alignment, size);
}
void *memalign(size_t alignment, size_t size) {
    return ref_memalign(alignment, size);
}
void *valloc(size_t size) {
    return ref_valloc(size);
}
void *pvalloc(size_t size) {
    return ref_pvalloc(size);
}
#ifndef ZOO_OWN_MALLOC_USABLE_SIZE
size_t malloc_usable_size(void *ptr) {
    return ref_malloc_usable_size(ptr);
}
#endif

#ifndef ZOO_OWN_DMALLOC_MALLOC
void *dmalloc_malloc(size_t sz, const char *file, long line) {
    return ref_dmalloc_malloc(sz, file, line);
}
#endif
#ifndef ZOO_OWN_DMALLOC_FREE
void dmalloc_free(void *ptr, const char *file, long line) {
    ref_dmalloc_free(ptr, file, line);
}
#endif
#ifndef ZOO_OWN_DMALLOC_CALLOC
void *dmalloc_calloc(size_t nmemb, size_t sz, const char *file, long line) {
    return ref_dmalloc_calloc(nmemb, sz, file, line);
}
#endif
#ifndef ZOO_OWN_DMALLOC_REALLOC
void *dmalloc_realloc(void *ptr, size_t sz, const char *file, long line) {
    return ref_dmalloc_realloc(ptr, sz, file, line);
}
#endif
#ifndef ZOO_OWN_DMALLOC_GET_STATISTICS
void dmalloc_get_statistics(dmalloc_statistics *stats) {
    ref_dmalloc_get_statistics(stats);
}
#endif
#ifndef ZOO_OWN_DMALLOC_PRINT_STATISTICS
void dmalloc_print_statistics(void) {
    ref_dmalloc_print_statistics();
}
#endif
#ifndef ZOO_OWN_DMALLOC_PRINT_LEAK_REPORT
void dmalloc_print_leak_report(void) {
    ref_dmalloc_print_leak_report();
}
#endif
#ifndef ZOO_OWN_DMALLOC_PRINT_HEAVY_HITTER_REPORT
void dmalloc_print_heavy_hitter_report(void) {
    ref_dmalloc_print_heavy_hitter_report();
}
#endif

#endif
