//@ category: heavy-hitters
//@ points: 2
//@ needs: dmalloc
//! sites at lines ??{[0-9]+}=tiny?? (many tiny blocks) and ??{[0-9]+}=big?? (few big ones)
//! HEAVY HITTER: ???098-dm-hh-negative-skew.c:??big??: ??{[0-9]+}?? bytes (~??{(?:4[6-9]|5[0-7])\.[0-9]}??%)
//! done

/* A negative skew: one site makes 90% of the calls with 8-byte blocks (about 14% of the
 * bytes), another makes a hundred calls of 30,000 bytes (about 52%). Heavy hitters are measured
 * in bytes, so only the second is listed. Catches a report that counts calls, not bytes. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

int main(void) {
    int tiny = __LINE__ + 4, big = tiny + 9;
    printf("sites at lines %d (many tiny blocks) and %d (few big ones)\n", tiny, big);
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 1000; i++) {
            void *p = malloc(8);
            CHECK(p != NULL);
            free(p);
        }
        for (long site = 0; site < 40; site++) {
            void *p = dmalloc_malloc(500, __FILE__, 4000 + site);
            CHECK(p != NULL);
            free(p);
        }
        void *p = malloc(30000);
        CHECK(p != NULL);
        free(p);
    }
    dmalloc_print_heavy_hitter_report();
    printf("done\n");
    return 0;
}
