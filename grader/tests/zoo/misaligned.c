/* Broken: malloc's payloads are aligned to 8 bytes, not 16, as in an allocator whose header is
 * 8 bytes long and that forgot to round it up. Blocks from calloc and the aligned family are
 * still right, so only tests that check malloc's alignment lose, and the heap-report test that
 * damages a freed block through its pointer (the damage lands 8 bytes off). */
//@ loses: 1-12,17-34,36-41,43,44,111,114,117,118
#define ZOO_OWN_MALLOC
#define ZOO_OWN_FREE
#define ZOO_OWN_REALLOC
#define ZOO_OWN_MALLOC_USABLE_SIZE
#include "zoo.h"

/* The reference's payloads are all 16-aligned, so a pointer at 8 mod 16 is one of ours. */
static char *unshifted(void *ptr) {
    return ((uintptr_t)ptr & 15) == 8 ? (char *)ptr - 8 : ptr;
}

void *malloc(size_t size) {
    char *p = size <= SIZE_MAX - 8 ? ref_malloc(size + 8) : NULL;
    return p ? p + 8 : NULL;
}

void free(void *ptr) {
    ref_free(unshifted(ptr));
}

void *realloc(void *ptr, size_t size) {
    if (ptr == NULL) return malloc(size);
    if (unshifted(ptr) == ptr) return ref_realloc(ptr, size);
    char *p = size <= SIZE_MAX - 8 ? ref_realloc(unshifted(ptr), size + 8) : NULL;
    return p ? p + 8 : NULL;
}

size_t malloc_usable_size(void *ptr) {
    return ptr && unshifted(ptr) != ptr ? ref_malloc_usable_size(unshifted(ptr)) - 8
                                        : ref_malloc_usable_size(ptr);
}
