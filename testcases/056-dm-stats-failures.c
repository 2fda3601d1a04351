//@ category: statistics
//@ points: 2
//@ needs: dmalloc
//! ok: 8 failed requests of about 2^60 bytes: nfail and fail_size agree
//! ok: malloc(SIZE_MAX - 150) failed and was counted
//! ok: failures left the active and total counts alone

/* Failed allocations (CS61 test011 to test013): a request too large to satisfy returns NULL,
 * adds one to nfail and its requested size to fail_size, and changes nothing else. A size just
 * below SIZE_MAX overflows any "size + metadata" computation: a debugging allocator that wraps
 * around returns a tiny block instead of failing, which the test catches. (Its size is not
 * added up: the sum no longer fits in 64 bits.) */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

static void same(const char *what, unsigned long long got, unsigned long long want) {
    CHECK_MSG(got == want, "%s: dmalloc says %llu, the test counted %llu", what, got, want);
}

int main(void) {
    void *keep = malloc(40);
    CHECK(keep != NULL);
    unsigned long long nfail = 0, sum = 0;
    dmalloc_statistics st;
    for (int i = 0; i < 8; i++) {
        volatile size_t big = ((size_t)1 << 60) + (size_t)i * 7;
        void *p = malloc(big);
        CHECK_MSG(p == NULL, "malloc(%zu) returned %p", (size_t)big, p);
        nfail++;
        sum += big;
        dmalloc_get_statistics(&st);
        same("nfail", st.nfail, nfail);
        same("fail_size", st.fail_size, sum);
    }
    printf("ok: 8 failed requests of about 2^60 bytes: nfail and fail_size agree\n");

    volatile size_t sz = (size_t)-1 - 150;
    void *p = malloc(sz);
    CHECK_MSG(p == NULL, "malloc(SIZE_MAX - 150) returned %p", p);
    dmalloc_get_statistics(&st);
    same("nfail", st.nfail, nfail + 1);
    printf("ok: malloc(SIZE_MAX - 150) failed and was counted\n");

    same("nactive", st.nactive, 1);
    same("active_size", st.active_size, 40);
    same("ntotal", st.ntotal, 1);
    same("total_size", st.total_size, 40);
    free(keep);
    printf("ok: failures left the active and total counts alone\n");
    return 0;
}
