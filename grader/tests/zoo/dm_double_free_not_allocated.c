/* Broken (debugging layer): a double free is reported as "not allocated": the layer cannot
 * tell a freed block from a pointer it never handed out. */
//@ loses: 67,68,73,76,80
#define ZOO_OWN_DMALLOC_FREE
#define ZOO_OWN_DMALLOC_REALLOC
#include "zoo.h"

static void misreport(void *ptr, const char *file, long line, const char *op) {
    lock_take(&dm.lock);
    uintptr_t p = (uintptr_t)ptr;
    uint64_t state = dm_state(p);
    struct dm_inside in = {p, 0};
    if (ptr && (state & DM_EVER) && !(state & DM_ACTIVE) && !dm_each_active(dm_contains, &in)) {
        report("MEMORY BUG: %s:%ld: invalid %s of pointer %p, not allocated\n", file, line, op,
               ptr);
        abort();
    }
    lock_give(&dm.lock);
}

void dmalloc_free(void *ptr, const char *file, long line) {
    misreport(ptr, file, line, "free");
    ref_dmalloc_free(ptr, file, line);
}

void *dmalloc_realloc(void *ptr, size_t sz, const char *file, long line) {
    misreport(ptr, file, line, "realloc");
    return ref_dmalloc_realloc(ptr, sz, file, line);
}
