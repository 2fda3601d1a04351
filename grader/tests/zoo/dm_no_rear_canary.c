/* Broken (debugging layer): no canary after the block: free checks only the bytes in front of
 * the payload, so writes past the end go unnoticed. (Modelled by restoring the reference's rear
 * canary before its free checks it.) */
//@ loses: 74,81,82,85,86,88
#define ZOO_OWN_DMALLOC_FREE
#include "zoo.h"

void dmalloc_free(void *ptr, const char *file, long line) {
    lock_take(&dm.lock);
    if (ptr && (dm_state((uintptr_t)ptr) & DM_ACTIVE))
        memcpy((char *)ptr + dm_header(ptr)->size, dm_canary, DM_CANARY);
    lock_give(&dm.lock);
    ref_dmalloc_free(ptr, file, line);
}
