//@ category: heavy-hitters
//@ points: 2
//@ needs: dmalloc
//! sites at lines ??{[0-9]+}=a??, ??{[0-9]+}=b??, ??{[0-9]+}=c??
//! HEAVY HITTER: ???096-dm-hh-50-25-12.c:??a??: ??{[0-9]+}?? bytes (~??{(?:4[5-9]|5[0-5])\.[0-9]}??%)
//! HEAVY HITTER: ???096-dm-hh-50-25-12.c:??b??: ??{[0-9]+}?? bytes (~??{(?:2[1-9])\.[0-9]}??%)
//! done

/* A skewed workload: sites with about 50%, 25% and 12.5% of the bytes, the rest spread over 100
 * small sites. The report lists the 50% and the 25% site, largest first, and not the 12.5% one
 * (below the 20% bar). Catches a report that shows only the top site, sorts the wrong way, or
 * lowers the bar. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

int main(void) {
    uint64_t rng = 96;
    int a = __LINE__ + 11;
    printf("sites at lines %d, %d, %d\n", a, a + 4, a + 7);
    for (int i = 0; i < 400000; i++) {
        uint64_t r = hl_rand(&rng);
        size_t n = 1 + (r >> 8) % 300;
        void *p;
        switch (r % 8) {
            case 0:
            case 1:
            case 2:
            case 3:
                p = malloc(n);
                break;
            case 4:
            case 5:
                p = malloc(n);
                break;
            case 6:
                p = malloc(n);
                break;
            default:
                p = dmalloc_malloc(n, __FILE__, 2000 + (long)((r >> 32) % 100));
                break;
        }
        CHECK(p != NULL);
        free(p);
    }
    dmalloc_print_heavy_hitter_report();
    printf("done\n");
    return 0;
}
