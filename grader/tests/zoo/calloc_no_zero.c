/* Broken: calloc does not zero the block. Fresh memory from the system is zero anyway, so only
 * a test that calls calloc on recycled, dirty memory sees it. */
#define ZOO_OWN_CALLOC
#include "zoo.h"

void *calloc(size_t nmemb, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(nmemb, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return ref_malloc(total);
}
