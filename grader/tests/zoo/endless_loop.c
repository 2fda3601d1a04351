/* Broken: when the system refuses memory, malloc retries forever instead of returning NULL
 * with errno set to ENOMEM. Only a request that cannot be met hangs. */
//@ loses: 24,26
#define ZOO_OWN_MALLOC
#include "zoo.h"

void *malloc(size_t size) {
    for (;;) {
        void *p = ref_malloc(size);
        if (p) return p;
    }
}
