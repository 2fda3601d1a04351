/* Misaligned for the default course: payloads of odd sizes are 8-byte aligned, not 16, as in an
 * allocator whose 8-byte header is not rounded up. Only the alignment tests lose: under
 * ALIGN=8 (grader/tests/test_alignment.py) it loses nothing, and by default the report's header
 * names the shortfall once. The tracker sees the misaligned blocks of every alignment test. */
//@ loses: 7-12
#define ZOO_OWN_MALLOC
#define ZOO_OWN_FREE
#define ZOO_OWN_REALLOC
#define ZOO_OWN_MALLOC_USABLE_SIZE
#include "zoo.h"

static bool shifted_size(size_t size) {
    return size % 2 == 1;
}

/* The reference's payloads are all 16-aligned, so a pointer at 8 mod 16 is one of ours. */
static bool shifted(const void *ptr) {
    return ((uintptr_t)ptr & 15) == 8;
}

static void *base_of(void *ptr) {
    return shifted(ptr) ? (char *)ptr - 8 : ptr;
}

void *malloc(size_t size) {
    if (!shifted_size(size)) return ref_malloc(size);
    if (size > SIZE_MAX - 8) {
        errno = ENOMEM;
        return NULL;
    }
    char *p = ref_malloc(size + 8);
    return p ? p + 8 : NULL;
}

void free(void *ptr) {
    ref_free(base_of(ptr));
}

size_t malloc_usable_size(void *ptr) {
    return shifted(ptr) ? ref_malloc_usable_size(base_of(ptr)) - 8 : ref_malloc_usable_size(ptr);
}

void *realloc(void *ptr, size_t size) {
    if (ptr == NULL) return malloc(size);
    if (size == 0 || shifted(ptr) == shifted_size(size)) {
        size_t extra = shifted(ptr) && size ? 8 : 0;
        if (size > SIZE_MAX - extra) {
            errno = ENOMEM;
            return NULL;
        }
        char *p = ref_realloc(base_of(ptr), size + extra);
        return p ? p + extra : NULL;
    }
    /* Moving between shifted and unshifted: a new block, then the copy. */
    void *q = malloc(size);
    if (q == NULL) return NULL;
    size_t old = malloc_usable_size(ptr);
    memcpy(q, ptr, old < size ? old : size);
    free(ptr);
    return q;
}
