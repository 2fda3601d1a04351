/* Broken (debugging layer): the statistics count one allocation too many, the classic
 * `ntotal` incremented before a check that then fails, or a counter that starts at 1. The tests
 * that check ntotal catch it; the statistics tests that read the statistics without checking
 * ntotal (054, 055, 060, 063) lose to the tracker, which compares every field; 094, a leak
 * report's test, judges the printed numbers by its own expected output (docs/tracker.md). */
//@ loses: 52-61,63,64
#define ZOO_OWN_DMALLOC_GET_STATISTICS
#include "zoo.h"

void dmalloc_get_statistics(dmalloc_statistics *stats) {
    ref_dmalloc_get_statistics(stats);
    stats->ntotal++;
}
