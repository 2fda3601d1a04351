/* Broken (debugging layer): failed allocations are counted in nfail, but their sizes are
 * never added to fail_size. 056 and 063 check fail_size; 055 prints the statistics after a
 * failure, matched loosely, and loses to the tracker, which compares fail_size there. */
//@ loses: 55,56,63
#define ZOO_OWN_DMALLOC_GET_STATISTICS
#define ZOO_OWN_DMALLOC_PRINT_STATISTICS
#include "zoo.h"

void dmalloc_get_statistics(dmalloc_statistics *stats) {
    ref_dmalloc_get_statistics(stats);
    stats->fail_size = 0;
}

/* The reference's printer reads its own statistics: print this file's instead. */
void dmalloc_print_statistics(void) {
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    dm_print_stats(&st);
}
