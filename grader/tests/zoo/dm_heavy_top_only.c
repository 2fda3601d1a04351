/* Broken (debugging layer): the heavy-hitter report lists only the largest site, so a second
 * site with 25% of the bytes is missed. */
//@ loses: 96,99
#define ZOO_OWN_DMALLOC_PRINT_HEAVY_HITTER_REPORT
#include "zoo.h"

void dmalloc_print_heavy_hitter_report(void) {
    dm_heavy_hitters(1);
}
