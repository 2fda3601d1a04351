/* Broken: freed large blocks are kept on a private list for reuse and never given back to the
 * system, so a program's footprint stays at its peak after it frees its big buffers. */
//@ loses: 26,41,44
#define ZOO_OWN_MALLOC
#define ZOO_OWN_FREE
#include "zoo.h"

#define LARGE (1u << 20)
struct kept {
    struct kept *next;
};
static struct kept *kept_blocks;
static pthread_mutex_t zoo_lock = PTHREAD_MUTEX_INITIALIZER;

void *malloc(size_t size) {
    if (size >= LARGE) {
        pthread_mutex_lock(&zoo_lock);
        for (struct kept **k = &kept_blocks; *k; k = &(*k)->next) {
            if (ref_malloc_usable_size(*k) >= size) {
                struct kept *found = *k;
                *k = found->next;
                pthread_mutex_unlock(&zoo_lock);
                return found;
            }
        }
        pthread_mutex_unlock(&zoo_lock);
    }
    return ref_malloc(size);
}

void free(void *ptr) {
    if (ptr && ref_malloc_usable_size(ptr) >= LARGE) {
        pthread_mutex_lock(&zoo_lock);
        struct kept *k = ptr;
        k->next = kept_blocks;
        kept_blocks = k;
        pthread_mutex_unlock(&zoo_lock);
        return;
    }
    ref_free(ptr);
}
