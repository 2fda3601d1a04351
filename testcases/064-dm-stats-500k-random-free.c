//@ category: statistics
//@ points: 2
//@ timeout: 10
//@ needs: dmalloc
//! ok: 500000 live blocks freed in random order, statistics agree

/* Half a million live blocks freed in random order: a debugging allocator that finds a block's
 * metadata by scanning a list of live blocks takes minutes here (quadratic), one with a hash
 * table or metadata in the block takes well under a second. The statistics must agree at the
 * end. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

#define N 500000

int main(void) {
    static void *p[N];
    uint64_t rng = 64;
    unsigned long long total = 0;
    for (int i = 0; i < N; i++) {
        size_t n = 1 + hl_rand(&rng) % 64;
        p[i] = malloc(n);
        CHECK(p[i] != NULL);
        total += n;
    }
    for (int i = N - 1; i > 0; i--) {
        int j = (int)(hl_rand(&rng) % (uint64_t)(i + 1));
        void *t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
    for (int i = 0; i < N; i++) free(p[i]);
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    CHECK_MSG(st.nactive == 0 && st.ntotal == N && st.total_size == total,
              "nactive %llu (want 0), ntotal %llu (want %d), total_size %llu (want %llu)",
              st.nactive, st.ntotal, N, st.total_size, total);
    printf("ok: %d live blocks freed in random order, statistics agree\n", N);
    return 0;
}
