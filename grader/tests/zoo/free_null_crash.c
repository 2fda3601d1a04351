/* Broken: free(NULL) crashes: it poisons the block's first byte before checking for NULL. */
//@ loses: 3,15,21,33-38,45-51,61,93,110,113,115,116,119
#define ZOO_OWN_FREE
#include "zoo.h"

void free(void *ptr) {
    *(volatile unsigned char *)ptr = 0xdd;
    ref_free(ptr);
}
