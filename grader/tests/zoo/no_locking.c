/* Broken: a fast path without a lock. free parks one small block in a global slot and malloc
 * takes it from there with a plain read and a plain write, so two threads can take the same
 * block. Single-threaded programs notice only in the heap report, where the parked block's free
 * is missing. */
//@ loses: 34,112
//@ may-lose: 33,35-38,115 (a race: whether these threads collide in the unlocked path depends on scheduling)
#define ZOO_OWN_MALLOC
#define ZOO_OWN_FREE
#include "zoo.h"

#define PARKED_MAX 64
static void *parked;

void *malloc(size_t size) {
    void *p = parked;
    if (p && size <= PARKED_MAX && ref_malloc_usable_size(p) >= size) {
        parked = NULL;
        return p;
    }
    return ref_malloc(size);
}

void free(void *ptr) {
    if (ptr && parked == NULL && ref_malloc_usable_size(ptr) <= PARKED_MAX) {
        parked = ptr;
        return;
    }
    ref_free(ptr);
}
