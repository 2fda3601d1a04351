/* timing.h - what the benchmark programs share: a monotonic clock and a fast deterministic
 * random number generator (splitmix64), neither of which allocates. */
#ifndef HEAPLAB_BENCH_TIMING_H
#define HEAPLAB_BENCH_TIMING_H

#include <stdint.h>
#include <time.h>

static inline double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline uint64_t next(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#endif
