/* Broken (debugging layer): dmalloc_calloc adds the bytes it zeroes, rounded up to 16, to
 * active_size, and the free takes back the bytes asked for: active_size creeps up with every
 * calloc whose size is not a multiple of 16. No test's own checks see it (057's one calloc is of
 * 4000 bytes; 058 checks ntotal, total_size and nactive after its callocs, not active_size): the
 * tracker, holding the statistics to its own counts at 058's dmalloc_get_statistics, does. */
//@ loses: 58
#define ZOO_OWN_DMALLOC_CALLOC
#include "zoo.h"

void *dmalloc_calloc(size_t nmemb, size_t sz, const char *file, long line) {
    void *p = ref_dmalloc_calloc(nmemb, sz, file, line);
    if (p != NULL) {
        size_t n = nmemb * sz;
        lock_take(&dm.lock);
        dm.stats.active_size += ((n + 15) & ~(size_t)15) - n;
        lock_give(&dm.lock);
    }
    return p;
}
