//@ category: heap-report
//@ points: 1
//@ timeout: 10
//@ mode: static
//@ needs: heap-report
//! ok: 200 reports and checks interleaved with allocation: nothing allocated by them
//! ok: the aligned family and large blocks keep the heap consistent

/* The reporters never allocate, so they can be called between any two allocation calls:
 * requests counted before and after a report with no allocation in between are equal. The
 * aligned family and mapped blocks also leave the check holding. */
#include "alloc.h"
#include "test_runtime.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct hl_stats st;

int main(void) {
    void *held[200];
    for (int i = 0; i < 200; i++) {
        held[i] = malloc((size_t)(i * 7 % 900 + 1));
        CHECK(held[i] != NULL);
        if (i % 20 == 0) {
            hl_stats_read(&st);
            unsigned long long r1 = st.total.requests;
            hl_stats_read(&st);
            CHECK_MSG(st.total.requests == r1, "malloc_stats allocated: requests %llu -> %llu", r1,
                      st.total.requests);
        }
        CHECK(alloc_check_heap());
    }
    printf("ok: 200 reports and checks interleaved with allocation: nothing allocated by them\n");
    void *a = NULL;
    CHECK(posix_memalign(&a, 4096, 10000) == 0);
    void *b = aligned_alloc(64, 640);
    void *c = memalign(256, 100);
    void *d = malloc(3u << 20);
    CHECK(b && c && d);
    d = realloc(d, 5u << 20);
    CHECK(d != NULL);
    CHECK(alloc_check_heap());
    free(a), free(b), free(c), free(d);
    for (int i = 0; i < 200; i++) free(held[i]);
    CHECK(alloc_check_heap());
    printf("ok: the aligned family and large blocks keep the heap consistent\n");
    return 0;
}
