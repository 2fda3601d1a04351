/* Broken: free(NULL) crashes: it reads the block's header before checking for NULL. */
//@ loses: 3,15,21,33-38,45-51,61,93,110
#define ZOO_OWN_FREE
#include "zoo.h"

void free(void *ptr) {
    volatile const size_t *header = (const size_t *)ptr - 1;
    if (*header == 0) return;
    ref_free(ptr);
}
