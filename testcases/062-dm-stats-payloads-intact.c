//@ category: statistics
//@ points: 2
//@ needs: dmalloc
//! ok: 5000 live blocks: disjoint, contents intact until freed

/* The debugging layer must still be an allocator: payloads never overlapping another live
 * block (metadata that the payload overwrites, or a block handed out twice), and contents intact
 * until freed (a layer that writes into freed memory on its neighbours' behalf, or a canary
 * inside the payload). Their alignment is the alignment tests' business. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

#define N 5000

int main(void) {
    static char *p[N];
    static size_t n[N];
    uint64_t rng = 62;
    for (int i = 0; i < N; i++) {
        n[i] = hl_rand(&rng) % 600;
        p[i] = malloc(n[i]);
        CHECK(p[i] != NULL);
        hl_live_add(p[i], n[i], 1);
        hl_fill(p[i], n[i], (uint64_t)i);
    }
    for (int i = 0; i < N; i += 3) {
        CHECK_MSG(hl_verify(p[i], n[i], (uint64_t)i), "block %d of %zu bytes: byte %zu changed", i,
                  n[i], hl_first_mismatch(p[i], n[i], (uint64_t)i));
        hl_live_remove(p[i]);
        free(p[i]);
        p[i] = NULL;
    }
    for (int i = 0; i < N; i++) {
        if (!p[i]) continue;
        CHECK_MSG(hl_verify(p[i], n[i], (uint64_t)i), "block %d of %zu bytes: byte %zu changed", i,
                  n[i], hl_first_mismatch(p[i], n[i], (uint64_t)i));
        hl_live_remove(p[i]);
        free(p[i]);
    }
    printf("ok: %d live blocks: disjoint, contents intact until freed\n", N);
    return 0;
}
