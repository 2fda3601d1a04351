/* dmalloc_sites.c - the debugging layer's cost on many sites (issue 4): 500,000 allocations
 * from 40,000 distinct call sites, all live at once, then freed in random order; the same work
 * with plain malloc and free for comparison. Prints both elapsed times. Built against the slot
 * by `make bench-dmalloc`. */
#define DMALLOC_DISABLE
#include "dmalloc.h"
#include "timing.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N     500000
#define SITES 40000

static void *ptr[N];
static uint32_t order[N];
static size_t size[N];

static double run(int debug) {
    double t0 = now();
    for (uint32_t i = 0; i < N; i++) {
        ptr[i] = debug ? dmalloc_malloc(size[i], __FILE__, (long)(i % SITES)) : malloc(size[i]);
        if (ptr[i] == NULL) {
            fprintf(stderr, "dmalloc_sites: allocation %u failed\n", i);
            exit(1);
        }
    }
    for (uint32_t i = 0; i < N; i++) {
        if (debug)
            dmalloc_free(ptr[order[i]], __FILE__, __LINE__);
        else
            free(ptr[order[i]]);
    }
    return now() - t0;
}

int main(void) {
    uint64_t rng = 500000;
    for (uint32_t i = 0; i < N; i++) {
        size[i] = 1 + next(&rng) % 100;
        order[i] = i;
    }
    for (uint32_t i = N - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(next(&rng) % (i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    double plain = run(0), debug = run(1);
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    if (st.ntotal != N || st.nactive != 0) {
        fprintf(stderr, "dmalloc_sites: statistics wrong (ntotal %llu, nactive %llu)\n", st.ntotal,
                st.nactive);
        return 1;
    }
    printf("dmalloc_sites: %d allocations from %d sites, freed in random order: dmalloc %.3f s, "
           "malloc/free %.3f s\n",
           N, SITES, debug, plain);
    return 0;
}
