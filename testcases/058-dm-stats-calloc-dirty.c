//@ category: statistics
//@ needs: dmalloc
//! ok: 2000 callocs over freed dirty blocks came back zeroed, statistics agree

/* dmalloc_calloc must zero what it returns even when the block underneath was just freed full
 * of data, and must count nmemb * sz bytes once (a calloc that calls dmalloc_malloc and then
 * counts again double-counts). Blocks are filled with 0xff, freed and calloc'd again. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>

static void same(const char *what, unsigned long long got, unsigned long long want) {
    CHECK_MSG(got == want, "%s: dmalloc says %llu, the test counted %llu", what, got, want);
}

int main(void) {
    unsigned long long ntotal = 0, total = 0;
    uint64_t rng = 58;
    for (int i = 0; i < 2000; i++) {
        size_t n = 1 + hl_rand(&rng) % 40, sz = 1 + hl_rand(&rng) % 40;
        unsigned char *d = malloc(n * sz);
        CHECK(d != NULL);
        memset(d, 0xff, n * sz);
        free(d);
        unsigned char *z = calloc(n, sz);
        CHECK(z != NULL);
        for (size_t k = 0; k < n * sz; k++)
            CHECK_MSG(z[k] == 0, "calloc(%zu, %zu): byte %zu is 0x%02x", n, sz, k, z[k]);
        free(z);
        ntotal += 2;
        total += 2 * n * sz;
    }
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    same("ntotal", st.ntotal, ntotal);
    same("total_size", st.total_size, total);
    same("nactive", st.nactive, 0);
    printf("ok: 2000 callocs over freed dirty blocks came back zeroed, statistics agree\n");
    return 0;
}
