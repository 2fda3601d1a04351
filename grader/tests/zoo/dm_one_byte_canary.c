/* Broken (debugging layer): the canary after the block is a single byte: an off-by-one write
 * is caught, a write a few bytes further is not. (Modelled by restoring all but the first byte
 * of the reference's rear canary before its free checks it.) */
//@ loses: 82,88
#define ZOO_OWN_DMALLOC_FREE
#include "zoo.h"

void dmalloc_free(void *ptr, const char *file, long line) {
    lock_take(&dm.lock);
    if (ptr && (dm_state((uintptr_t)ptr) & DM_ACTIVE))
        memcpy((char *)ptr + dm_header(ptr)->size + 1, dm_canary + 1, DM_CANARY - 1);
    lock_give(&dm.lock);
    ref_dmalloc_free(ptr, file, line);
}
