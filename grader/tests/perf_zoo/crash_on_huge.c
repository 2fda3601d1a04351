/* Broken for the trace driver: a request of 1 MiB or more writes through a null pointer, so
 * every trace with such a block crashes in it, and no other. */
#define ZOO_OWN_MALLOC
#include "../zoo/zoo.h"

void *malloc(size_t size) {
    if (size >= (1u << 20)) {
        volatile char *nowhere = NULL;
        *nowhere = 1;
    }
    return ref_malloc(size);
}
