/*
 * m61.h - the header of CS61's m61 handouts (before dmalloc took its name), served by heaplab:
 * each m61_ name is the dmalloc_ function of alloc/dmalloc.h, so a course's m61 tests run
 * unchanged against a slot that defines the dmalloc interface (M61_DISABLE: see dmalloc.hh).
 * Handouts from before 2014 printed `malloc count:` where alloc/dmalloc.h prints `alloc count:`:
 * their statistics tests expect that older text.
 */
#ifndef HEAPLAB_M61_H
#define HEAPLAB_M61_H

#include "dmalloc.hh"

#define m61_malloc                    dmalloc_malloc
#define m61_free                      dmalloc_free
#define m61_calloc                    dmalloc_calloc
#define m61_realloc                   dmalloc_realloc
#define m61_statistics                dmalloc_statistics
#define m61_get_statistics            dmalloc_get_statistics
#define m61_getstatistics             dmalloc_get_statistics
#define m61_print_statistics          dmalloc_print_statistics
#define m61_printstatistics           dmalloc_print_statistics
#define m61_print_leak_report         dmalloc_print_leak_report
#define m61_printleakreport           dmalloc_print_leak_report
#define m61_print_heavy_hitter_report dmalloc_print_heavy_hitter_report

#ifdef __cplusplus
#include <random>

#define m61_allocator dmalloc_allocator

/* A uniformly distributed integer in [min, max]; the 2018 handout's tests draw sizes with it. */
template <typename Engine, typename T> inline T uniform_int(T min, T max, Engine &randomness) {
    return std::uniform_int_distribution<T>{min, max}(randomness);
}
#endif

#endif /* HEAPLAB_M61_H */
