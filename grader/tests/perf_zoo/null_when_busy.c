/* Broken for the trace driver: once 1000 blocks are live, every other malloc returns NULL
 * without trying, as an allocator that gives up instead of searching would, and looks fast
 * doing so. */
#define ZOO_OWN_MALLOC
#define ZOO_OWN_FREE
#include "../zoo/zoo.h"

static size_t live, calls;

void *malloc(size_t size) {
    if (live >= 1000 && ++calls % 2 == 0) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = ref_malloc(size);
    if (p) live++;
    return p;
}

void free(void *ptr) {
    if (ptr) live--;
    ref_free(ptr);
}
