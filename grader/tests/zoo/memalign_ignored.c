/* Broken: posix_memalign ignores the alignment asked for and returns a malloc'd block, which is
 * only 16-byte aligned. */
//@ loses: 9
#define ZOO_OWN_POSIX_MEMALIGN
#include "zoo.h"

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = ref_malloc(size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}
