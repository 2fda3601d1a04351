//@ category: heavy-hitters
//@ points: 2
//@ timeout: 20
//@ needs: dmalloc
//! sites at lines ??{[0-9]+}=a?? and ??{[0-9]+}=b??
//! HEAVY HITTER: ???099-dm-hh-many-sites.c:??a??: ??{[0-9]+}?? bytes (~??{(?:3[6-9]|4[0-4])\.[0-9]}??%)
//! HEAVY HITTER: ???099-dm-hh-many-sites.c:??b??: ??{[0-9]+}?? bytes (~??{(?:2[2-8])\.[0-9]}??%)
//! done

/* Tens of thousands of sites and a million allocations (docs/dmalloc.md): two sites with about 40%
 * and 25% of the bytes hide among 30,000 sites that share the rest. Catches a site table that
 * overflows or drops sites, a fixed-size sample that loses the 25% site, and a report too slow
 * for the timeout. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

int main(void) {
    uint64_t rng = 99;
    int a = __LINE__ + 7, b = a + 2;
    printf("sites at lines %d and %d\n", a, b);
    for (int i = 0; i < 1000000; i++) {
        uint64_t r = hl_rand(&rng);
        size_t n = 1 + (r >> 8) % 128;
        void *p;
        if (r % 20 < 8) {
            p = malloc(n);
        } else if (r % 20 < 13) {
            p = malloc(n);
        } else {
            p = dmalloc_malloc(n, __FILE__, 10000 + (long)((r >> 32) % 30000));
        }
        CHECK(p != NULL);
        free(p);
    }
    dmalloc_print_heavy_hitter_report();
    printf("done\n");
    return 0;
}
