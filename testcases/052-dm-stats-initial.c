//@ category: statistics
//@ needs: dmalloc
//! ok: all statistics zero before the first allocation
//! ok: one malloc and one free counted
//! ok: free(NULL) changed nothing

/* The statistics before any allocation, after one malloc and after its free (CS61 test001,
 * test002, test003). Catches counters that start at garbage, a free that forgets to decrement
 * nactive or active_size, a free(NULL) that is counted or crashes, and a total that a free
 * decrements. Each mismatch prints what dmalloc said next to what the test counted. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

static void same(const char *what, unsigned long long got, unsigned long long want) {
    CHECK_MSG(got == want, "%s: dmalloc says %llu, the test counted %llu", what, got, want);
}

int main(void) {
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    same("nactive", st.nactive, 0);
    same("active_size", st.active_size, 0);
    same("ntotal", st.ntotal, 0);
    same("total_size", st.total_size, 0);
    same("nfail", st.nfail, 0);
    same("fail_size", st.fail_size, 0);
    printf("ok: all statistics zero before the first allocation\n");

    char *p = malloc(100);
    CHECK(p != NULL);
    dmalloc_get_statistics(&st);
    same("nactive after malloc(100)", st.nactive, 1);
    same("active_size after malloc(100)", st.active_size, 100);
    same("ntotal after malloc(100)", st.ntotal, 1);
    same("total_size after malloc(100)", st.total_size, 100);
    free(p);
    dmalloc_get_statistics(&st);
    same("nactive after free", st.nactive, 0);
    same("active_size after free", st.active_size, 0);
    same("ntotal after free", st.ntotal, 1);
    same("total_size after free", st.total_size, 100);
    same("nfail after free", st.nfail, 0);
    printf("ok: one malloc and one free counted\n");

    free(NULL);
    dmalloc_get_statistics(&st);
    same("nactive after free(NULL)", st.nactive, 0);
    same("ntotal after free(NULL)", st.ntotal, 1);
    same("nfail after free(NULL)", st.nfail, 0);
    printf("ok: free(NULL) changed nothing\n");
    return 0;
}
