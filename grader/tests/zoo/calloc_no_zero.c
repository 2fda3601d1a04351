/* Broken: calloc does not zero the block. Fresh memory from the system is zero anyway, so only
 * a test that calls calloc on recycled, dirty memory sees it. */
//@ loses: 13-16,28,37,45,47-49,51
//@ may-lose: 33-38,61,93,110 (libc's thread start-up trusts calloc to zero: whether it gets dirty memory depends on scheduling)
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
