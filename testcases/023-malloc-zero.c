//@ category: edge
//@ points: 1
//@ timeout: 10
//@ mode: static preload
//! ok: malloc(0) x 1000: each NULL or a unique pointer
//! ok: interleaved with malloc(1..64): no overlap, patterns intact
//! ok: every malloc(0) result freed

/* malloc(0) may return NULL or a unique pointer that can be passed to free (C11 7.22.3).
 * "Unique" is the part that goes wrong: an allocator that returns the same static dummy
 * address every time, or a block of size 0 that the next malloc(1) overlaps, breaks programs
 * that use the pointers as distinct keys. Each non-NULL result is entered in the live set as
 * a one-byte range, so a repeated or overlapping pointer fails. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define N 1000

static void *zero[N], *small[N];

int main(void) {
    for (int i = 0; i < N; i++) {
        zero[i] = malloc(0);
        if (zero[i]) {
            hl_live_add(zero[i], 0, 1);
        }
    }
    printf("ok: malloc(0) x %d: each NULL or a unique pointer\n", N);

    for (int i = 0; i < N; i++) {
        if (i % 2 && zero[i]) {
            hl_live_remove(zero[i]);
            free(zero[i]);
            zero[i] = NULL;
        }
        small[i] = hl_malloc((size_t)(i % 64) + 1, (uint64_t)i);
        if (i % 2) {
            zero[i] = malloc(0);
            if (zero[i]) hl_live_add(zero[i], 0, 1);
        }
    }
    for (int i = 0; i < N; i++) hl_free(small[i], (size_t)(i % 64) + 1, (uint64_t)i);
    printf("ok: interleaved with malloc(1..64): no overlap, patterns intact\n");

    for (int i = 0; i < N; i++) {
        if (zero[i]) hl_live_remove(zero[i]);
        free(zero[i]);
    }
    CHECK(hl_live_count() == 0);
    printf("ok: every malloc(0) result freed\n");
    return 0;
}
