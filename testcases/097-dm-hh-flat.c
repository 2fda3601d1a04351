//@ category: heavy-hitters
//@ needs: dmalloc
//! done

/* A flat workload: 40 sites with the same share (2.5% each). No site reaches 20%, so the
 * heavy-hitter report prints nothing. Catches a report that always names the largest sites,
 * and a share computed against the wrong total. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

int main(void) {
    for (int round = 0; round < 5000; round++) {
        for (long site = 0; site < 40; site++) {
            void *p = dmalloc_malloc(64 + (size_t)(round % 7), __FILE__, 3000 + site);
            CHECK(p != NULL);
            free(p);
        }
    }
    dmalloc_print_heavy_hitter_report();
    printf("done\n");
    return 0;
}
