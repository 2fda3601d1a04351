//@ category: statistics
//@ points: 2
//@ needs: dmalloc
//! ok: active_size and total_size agree after 20000 operations of sizes 0 .. 70000

/* active_size and total_size count the bytes requested, not the bytes of the block underneath
 * (CS61 test007, test008): the test requests sizes from 0 to 70000, rounding-unfriendly ones
 * included, and compares its own sums with the statistics every 500 operations. Catches sizes
 * rounded up to the alignment, overhead counted in, and a free that subtracts the wrong size. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

#define SLOTS 256

static void same(const char *what, int op, unsigned long long got, unsigned long long want) {
    CHECK_MSG(got == want, "%s after operation %d: dmalloc says %llu, the test counted %llu", what,
              op, got, want);
}

int main(void) {
    static char *slot[SLOTS];
    static size_t size[SLOTS];
    unsigned long long active = 0, total = 0;
    uint64_t rng = 54;
    for (int op = 1; op <= 20000; op++) {
        size_t i = hl_rand(&rng) % SLOTS;
        if (slot[i]) {
            free(slot[i]);
            slot[i] = NULL;
            active -= size[i];
        } else {
            size[i] = hl_rand(&rng) % 8 == 0 ? hl_rand(&rng) % 70001 : hl_rand(&rng) % 100;
            slot[i] = malloc(size[i]);
            CHECK(slot[i] != NULL);
            active += size[i];
            total += size[i];
        }
        if (op % 500 == 0) {
            dmalloc_statistics st;
            dmalloc_get_statistics(&st);
            same("active_size", op, st.active_size, active);
            same("total_size", op, st.total_size, total);
        }
    }
    for (size_t i = 0; i < SLOTS; i++) free(slot[i]);
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    same("active_size at the end", 20000, st.active_size, 0);
    same("total_size at the end", 20000, st.total_size, total);
    printf("ok: active_size and total_size agree after 20000 operations of sizes 0 .. 70000\n");
    return 0;
}
