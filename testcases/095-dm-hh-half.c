//@ category: heavy-hitters
//@ points: 2
//@ needs: dmalloc
//! heavy site at line ??{[0-9]+}=line??
//! HEAVY HITTER: ???095-dm-hh-half.c:??line??: ??{[0-9]+}?? bytes (~??{(?:4[5-9]|5[0-5])\.[0-9]}??%)
//! done

/* One site responsible for about half of the bytes allocated, among 60 sites of about 0.8%
 * each (CS61's heavy-hitter workload): the report must list that site, with its share within
 * a tolerance (sampling implementations are allowed), and no other. Catches a report that
 * ranks sites by number of allocations, lists every site, or none. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

int main(void) {
    uint64_t rng = 95;
    int line = __LINE__ + 6;
    printf("heavy site at line %d\n", line);
    for (int i = 0; i < 200000; i++) {
        uint64_t r = hl_rand(&rng);
        size_t n = 1 + (r >> 8) % 200;
        if (r % 2 == 0) {
            void *p = malloc(n);
            CHECK(p != NULL);
            free(p);
        } else {
            void *p = dmalloc_malloc(n, __FILE__, 1000 + (long)((r >> 32) % 60));
            CHECK(p != NULL);
            free(p);
        }
    }
    dmalloc_print_heavy_hitter_report();
    printf("done\n");
    return 0;
}
