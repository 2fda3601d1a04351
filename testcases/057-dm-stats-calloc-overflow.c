//@ category: statistics
//@ needs: dmalloc
//! ok: calloc(2^33, 2^33) and calloc(SIZE_MAX, 2) failed, counted in nfail
//! ok: calloc(100, 40): 4000 bytes counted, all zero

/* calloc(nmemb, sz) whose product overflows must fail and count as a failure (CS61 test036-ish):
 * a debugging calloc that multiplies without checking asks for a tiny block, succeeds, and
 * hands out 0 bytes the caller believes are 2^66. A successful calloc counts nmemb * sz bytes. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

static void same(const char *what, unsigned long long got, unsigned long long want) {
    CHECK_MSG(got == want, "%s: dmalloc says %llu, the test counted %llu", what, got, want);
}

int main(void) {
    volatile size_t a = (size_t)1 << 33, m = (size_t)-1;
    void *p = calloc(a, a);
    CHECK_MSG(p == NULL, "calloc(2^33, 2^33) returned %p", p);
    p = calloc(m, 2);
    CHECK_MSG(p == NULL, "calloc(SIZE_MAX, 2) returned %p", p);
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    same("nfail", st.nfail, 2);
    same("ntotal", st.ntotal, 0);
    same("nactive", st.nactive, 0);
    printf("ok: calloc(2^33, 2^33) and calloc(SIZE_MAX, 2) failed, counted in nfail\n");

    unsigned char *z = calloc(100, 40);
    CHECK(z != NULL);
    for (int i = 0; i < 4000; i++) CHECK_MSG(z[i] == 0, "byte %d is 0x%02x", i, z[i]);
    dmalloc_get_statistics(&st);
    same("ntotal", st.ntotal, 1);
    same("active_size", st.active_size, 4000);
    same("total_size", st.total_size, 4000);
    same("nfail", st.nfail, 2);
    free(z);
    printf("ok: calloc(100, 40): 4000 bytes counted, all zero\n");
    return 0;
}
