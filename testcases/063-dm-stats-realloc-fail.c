//@ category: statistics
//@ needs: dmalloc
//! ok: realloc(p, 2^60) failed, counted in nfail and fail_size
//! ok: the old block is still allocated and intact

/* A realloc that cannot be satisfied returns NULL and leaves the old block allocated and
 * unchanged (C11 7.22.3.5), counting one failure of the requested size. Catches a debugging
 * realloc that frees the old block first, or forgets to count the failure. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

static void same(const char *what, unsigned long long got, unsigned long long want) {
    CHECK_MSG(got == want, "%s: dmalloc says %llu, the test counted %llu", what, got, want);
}

int main(void) {
    char *p = malloc(300);
    CHECK(p != NULL);
    hl_fill(p, 300, 63);
    volatile size_t huge = (size_t)1 << 60;
    char *q = realloc(p, huge);
    CHECK_MSG(q == NULL, "realloc(p, 2^60) returned %p", (void *)q);
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    same("nfail", st.nfail, 1);
    same("fail_size", st.fail_size, (size_t)1 << 60);
    printf("ok: realloc(p, 2^60) failed, counted in nfail and fail_size\n");
    same("nactive", st.nactive, 1);
    same("active_size", st.active_size, 300);
    CHECK_MSG(hl_verify(p, 300, 63), "byte %zu of the old block changed",
              hl_first_mismatch(p, 300, 63));
    free(p);
    dmalloc_get_statistics(&st);
    same("nactive after free", st.nactive, 0);
    printf("ok: the old block is still allocated and intact\n");
    return 0;
}
