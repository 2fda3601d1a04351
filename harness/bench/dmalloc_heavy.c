/* dmalloc_heavy.c - the heavy-hitter report's cost (issue 4): 1,000,000 allocations over 40
 * sites with a skewed share of bytes, each freed at once, then the heavy-hitter report; the
 * same allocations with plain malloc and free for comparison. Prints both elapsed times (the
 * dmalloc one includes the report). Built against the slot by `make bench-dmalloc`. */
#define DMALLOC_DISABLE
#include "dmalloc.h"
#include "timing.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N     1000000
#define SITES 40

/* Site k gets about 2^-(k+1) of the calls for the first few sites, the rest uniformly. */
static long site_of(uint64_t r) {
    unsigned k = (unsigned)__builtin_ctzll(r | (1ULL << 63));
    return k < 5 ? (long)k : 5 + (long)((r >> 40) % (SITES - 5));
}

static double run(int debug) {
    uint64_t rng = 1000000;
    double t0 = now();
    for (int i = 0; i < N; i++) {
        uint64_t r = next(&rng);
        size_t n = 1 + (r >> 48) % 256;
        void *p = debug ? dmalloc_malloc(n, __FILE__, 100 + site_of(r)) : malloc(n);
        if (p == NULL) {
            fprintf(stderr, "dmalloc_heavy: allocation %d failed\n", i);
            exit(1);
        }
        if (debug)
            dmalloc_free(p, __FILE__, __LINE__);
        else
            free(p);
    }
    if (debug) dmalloc_print_heavy_hitter_report();
    return now() - t0;
}

int main(void) {
    double plain = run(0), debug = run(1);
    printf("dmalloc_heavy: %d allocations over %d sites and the heavy-hitter report: dmalloc "
           "%.3f s, malloc/free %.3f s\n",
           N, SITES, debug, plain);
    return 0;
}
