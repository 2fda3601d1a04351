//@ category: statistics
//@ points: 2
//@ needs: dmalloc
//! ok: 20000 random operations, nactive and ntotal agree at every 1000th

/* nactive and ntotal under a random mix of mallocs and frees in any order (CS61 test004 to
 * test006, with more operations). The test keeps its own counts and compares them with
 * dmalloc_get_statistics every 1000 operations, so an off-by-one, a counter that a free
 * decrements twice or a count that drifts shows with both numbers. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

#define SLOTS 512

static void same(const char *what, int op, unsigned long long got, unsigned long long want) {
    CHECK_MSG(got == want, "%s after operation %d: dmalloc says %llu, the test counted %llu", what,
              op, got, want);
}

int main(void) {
    static void *slot[SLOTS];
    unsigned long long nactive = 0, ntotal = 0;
    uint64_t rng = 53;
    for (int op = 1; op <= 20000; op++) {
        size_t i = hl_rand(&rng) % SLOTS;
        if (slot[i]) {
            free(slot[i]);
            slot[i] = NULL;
            nactive--;
        } else {
            slot[i] = malloc(1 + hl_rand(&rng) % 300);
            CHECK(slot[i] != NULL);
            nactive++;
            ntotal++;
        }
        if (op % 1000 == 0) {
            dmalloc_statistics st;
            dmalloc_get_statistics(&st);
            same("nactive", op, st.nactive, nactive);
            same("ntotal", op, st.ntotal, ntotal);
            same("nfail", op, st.nfail, 0);
        }
    }
    for (size_t i = 0; i < SLOTS; i++) free(slot[i]);
    printf("ok: 20000 random operations, nactive and ntotal agree at every 1000th\n");
    return 0;
}
