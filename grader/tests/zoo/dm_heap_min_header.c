/* Broken (debugging layer): heap_min and heap_max are taken from the start of the underlying
 * block (the metadata header) instead of the payload. */
//@ loses: 60
#define ZOO_OWN_DMALLOC_GET_STATISTICS
#include "zoo.h"

void dmalloc_get_statistics(dmalloc_statistics *stats) {
    ref_dmalloc_get_statistics(stats);
    if (stats->heap_min) stats->heap_min -= DM_FRONT;
}
