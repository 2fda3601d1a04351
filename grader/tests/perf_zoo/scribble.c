/* Broken for the trace driver: every 100th malloc writes a byte into the block the call before
 * it returned, as an allocator whose bookkeeping writes past a header would. Each result is
 * well placed; a live block's bytes change. */
#define ZOO_OWN_MALLOC
#define ZOO_OWN_FREE
#include "../zoo/zoo.h"

static unsigned char *last;
static size_t calls;

void *malloc(size_t size) {
    if (last && ++calls % 100 == 0) *last ^= 0x5a;
    void *p = ref_malloc(size);
    last = size ? p : NULL;
    return p;
}

void free(void *ptr) {
    if (ptr == last) last = NULL;
    ref_free(ptr);
}
