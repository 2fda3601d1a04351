//@ category: statistics
//@ points: 2
//@ needs: dmalloc
//! ok: realloc(NULL, 50) counted as an allocation
//! ok: 200 reallocs kept the contents and the counts

/* dmalloc_realloc (CS61's public suite has no realloc test): realloc(NULL, n) is malloc(n);
 * growing or shrinking keeps the old contents up to the smaller size; the statistics see one
 * new allocation of the new size and one free of the old, so nactive stays, ntotal grows by one
 * and active_size becomes the new size. Catches a realloc that forgets to free, to count, or to
 * copy. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

static void same(const char *what, int i, unsigned long long got, unsigned long long want) {
    CHECK_MSG(got == want, "%s after realloc %d: dmalloc says %llu, the test counted %llu", what, i,
              got, want);
}

int main(void) {
    char *p = realloc(NULL, 50);
    CHECK(p != NULL);
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    same("nactive", 0, st.nactive, 1);
    same("ntotal", 0, st.ntotal, 1);
    same("active_size", 0, st.active_size, 50);
    printf("ok: realloc(NULL, 50) counted as an allocation\n");

    size_t n = 50;
    unsigned long long ntotal = 1, total = 50;
    hl_fill(p, n, 59);
    uint64_t rng = 59;
    for (int i = 1; i <= 200; i++) {
        size_t m = 1 + hl_rand(&rng) % (i % 10 == 0 ? 200000 : 3000);
        char *q = realloc(p, m);
        CHECK(q != NULL);
        size_t keep = n < m ? n : m;
        CHECK_MSG(hl_verify(q, keep, 59), "realloc %d (%zu -> %zu) lost byte %zu", i, n, m,
                  hl_first_mismatch(q, keep, 59));
        hl_fill(q, m, 59);
        p = q;
        n = m;
        ntotal++;
        total += m;
        dmalloc_get_statistics(&st);
        same("nactive", i, st.nactive, 1);
        same("ntotal", i, st.ntotal, ntotal);
        same("active_size", i, st.active_size, n);
        same("total_size", i, st.total_size, total);
    }
    free(p);
    printf("ok: 200 reallocs kept the contents and the counts\n");
    return 0;
}
