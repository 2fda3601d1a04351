/*
 * dmalloc.hh - the header CS61's C++ dmalloc handouts include, served by heaplab so that a
 * course's tests and a student's dmalloc.cc build unchanged against alloc/dmalloc.h.
 *
 * The functions keep C linkage (alloc/dmalloc.h declares them extern "C"): a student's
 * definitions in C++ take the linkage of these declarations, so tests in C and in C++ find them.
 * The handout's header brought in the standard headers below, which its tests rely on, and
 * dmalloc_allocator, which lets the standard containers allocate through dmalloc_malloc.
 *
 * The handouts' dmalloc.cc starts with `#define M61_DISABLE 1` (the header's guard kept its
 * older name): like DMALLOC_DISABLE, it leaves malloc and free unrouted in that file.
 */
#ifndef HEAPLAB_DMALLOC_HH
#define HEAPLAB_DMALLOC_HH

#if defined(M61_DISABLE) && M61_DISABLE && !defined(DMALLOC_DISABLE)
#define DMALLOC_DISABLE 1
#endif

#ifdef __cplusplus
#include <cassert>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#endif

#include "dmalloc.h"

#ifdef __cplusplus
/* The site of a container's allocations is unknown: it is reported as "?", line 0. */
template <typename T> class dmalloc_allocator {
  public:
    using value_type = T;
    dmalloc_allocator() noexcept = default;
    dmalloc_allocator(const dmalloc_allocator<T> &) noexcept = default;
    template <typename U> dmalloc_allocator(dmalloc_allocator<U> &) noexcept {}

    T *allocate(size_t n) {
        return static_cast<T *>(dmalloc_malloc(n * sizeof(T), "?", 0));
    }
    void deallocate(T *ptr, size_t) {
        dmalloc_free(ptr, "?", 0);
    }
};

template <typename T, typename U>
inline constexpr bool operator==(const dmalloc_allocator<T> &, const dmalloc_allocator<U> &) {
    return true;
}
template <typename T, typename U>
inline constexpr bool operator!=(const dmalloc_allocator<T> &, const dmalloc_allocator<U> &) {
    return false;
}
#endif

#endif /* HEAPLAB_DMALLOC_HH */
