/* Broken: realloc moves a block without copying it. It is right whenever the block fits where
 * it is, so only a realloc that has to move the block loses the caller's data; the tracker names
 * it where no check of the test reads what moved (11, 46, 114). */
//@ loses: 8,10,11,17-20,22,25,28,30,37,41,44-51,114
#define ZOO_OWN_REALLOC
#include "zoo.h"

void *realloc(void *ptr, size_t size) {
    if (ptr == NULL) return ref_malloc(size);
    if (size <= ref_malloc_usable_size(ptr)) return ptr;
    void *moved = ref_malloc(size);
    if (moved) ref_free(ptr);
    return moved;
}
