/* Broken (debugging layer): failed allocations are counted in nfail, but their sizes are
 * never added to fail_size. */
//@ loses: 56,63
#define ZOO_OWN_DMALLOC_GET_STATISTICS
#define ZOO_OWN_DMALLOC_PRINT_STATISTICS
#include "zoo.h"

void dmalloc_get_statistics(dmalloc_statistics *stats) {
    ref_dmalloc_get_statistics(stats);
    stats->fail_size = 0;
}

void dmalloc_print_statistics(void) {
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    printf("alloc count: active %10llu   total %10llu   fail %10llu\n", st.nactive, st.ntotal,
           st.nfail);
    printf("alloc size:  active %10llu   total %10llu   fail %10llu\n", st.active_size,
           st.total_size, st.fail_size);
}
