/* Broken (debugging layer): the statistics count one allocation too many, the classic
 * `ntotal` incremented before a check that then fails, or a counter that starts at 1. */
//@ loses: 52,53,56-59,61,64
#define ZOO_OWN_DMALLOC_GET_STATISTICS
#include "zoo.h"

void dmalloc_get_statistics(dmalloc_statistics *stats) {
    ref_dmalloc_get_statistics(stats);
    stats->ntotal++;
}
