//@ category: heap-report
//@ points: 2
//@ timeout: 20
//@ mode: static preload
//@ needs: heap-report
//! ok: size classes increase in multiples of 16
//! ok: every row: blocks == in-use + free, in-use == requests - frees
//! ok: the total row is the sum of the rows

/* The report is consistent with itself after a random workload: each class's blocks are
 * either in use or free, in-use is requests minus frees, and the total row adds up. */
#include "alloc.h"
#include "test_runtime.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct hl_stats st;

#define N 20000
static void *live[N];

static void check_rows(void) {
    hl_stats_read(&st);
    unsigned long long b = 0, u = 0, f = 0, r = 0, fr = 0;
    for (int i = 0; i < st.nrows; i++) {
        struct hl_stats_row *x = &st.rows[i];
        CHECK_MSG(x->blocks == x->used + x->free, "class %u: %llu blocks != %llu + %llu", x->cls,
                  x->blocks, x->used, x->free);
        CHECK_MSG(x->used == x->requests - x->frees, "class %u: in-use %llu != %llu - %llu", x->cls,
                  x->used, x->requests, x->frees);
        b += x->blocks, u += x->used, f += x->free, r += x->requests, fr += x->frees;
    }
    CHECK_MSG(b == st.total.blocks && u == st.total.used && f == st.total.free &&
                  r == st.total.requests && fr == st.total.frees,
              "total row does not add up");
}

int main(void) {
    uint64_t rng = 102;
    hl_stats_read(&st);
    for (int i = 0; i < st.nrows; i++) {
        CHECK_MSG(st.rows[i].size % 16 == 0, "class %u: size %u", st.rows[i].cls, st.rows[i].size);
        CHECK_MSG(i == 0 || st.rows[i].size > st.rows[i - 1].size,
                  "class %u: size %u not increasing", st.rows[i].cls, st.rows[i].size);
    }
    printf("ok: size classes increase in multiples of 16\n");
    for (int round = 0; round < 5; round++) {
        for (int k = 0; k < 4 * N; k++) {
            int i = (int)(hl_rand(&rng) % N);
            free(live[i]);
            live[i] = malloc(1 + hl_rand(&rng) % (round % 2 ? 4000 : 300));
            CHECK(live[i] != NULL);
        }
        check_rows();
    }
    for (int i = 0; i < N; i++) free(live[i]);
    check_rows();
    printf("ok: every row: blocks == in-use + free, in-use == requests - frees\n");
    printf("ok: the total row is the sum of the rows\n");
    return 0;
}
