//@ category: alignment
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! ok: malloc(0..4096): 4097 payloads aligned to 16
//! ok: 2000 odd sizes up to 1 MiB aligned to 16
//! ok: after frees, 4000 reallocated odd sizes aligned to 16

/* Every payload the C allocation family returns must be aligned to 16 bytes
 * (alignof(max_align_t) on x86-64): SSE code, long double and the compiler's own vectorized
 * copies fault or misbehave on less. An 8-byte header in front of a 16-aligned chunk, or a
 * size rounded to 8, gives payloads at 8 mod 16 for some sizes only, so every size from 0 to
 * 4096 and many odd sizes are checked, before and after the heap has been fragmented. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define SMALL 4097
#define ODD   2000
#define REUSE 4000

static void *small[SMALL];
static void *odd[ODD];
static size_t oddsize[ODD];
static void *reuse[REUSE];

static void *aligned_malloc(size_t n) {
    void *p = malloc(n);
    if (n == 0 && p == NULL) return NULL;
    CHECK_MSG(p != NULL, "malloc(%zu) returned NULL", n);
    CHECK_MSG((uintptr_t)p % HL_ALIGN == 0, "malloc(%zu) = %p is not aligned to %d", n, p,
              HL_ALIGN);
    hl_live_add(p, n, HL_ALIGN);
    return p;
}

int main(void) {
    for (size_t n = 0; n < SMALL; n++) small[n] = aligned_malloc(n);
    printf("ok: malloc(0..4096): %d payloads aligned to %d\n", SMALL, HL_ALIGN);

    uint64_t rng = 7;
    for (int i = 0; i < ODD; i++) {
        oddsize[i] = (hl_rand(&rng) % (i < ODD / 2 ? 65536 : (1u << 20))) | 1;
        odd[i] = aligned_malloc(oddsize[i]);
        if (i >= ODD / 2 && i % 8) { /* do not keep 500 MB around */
            hl_live_remove(odd[i]);
            free(odd[i]);
            odd[i] = NULL;
        }
    }
    printf("ok: %d odd sizes up to 1 MiB aligned to %d\n", ODD, HL_ALIGN);

    /* Free every third small block, then fill the holes with other odd sizes. */
    for (size_t n = 0; n < SMALL; n += 3) {
        if (small[n]) hl_live_remove(small[n]);
        free(small[n]);
        small[n] = NULL;
    }
    for (int i = 0; i < REUSE; i++) reuse[i] = aligned_malloc((hl_rand(&rng) % 3000) | 1);
    printf("ok: after frees, %d reallocated odd sizes aligned to %d\n", REUSE, HL_ALIGN);

    for (int i = 0; i < REUSE; i++) hl_live_remove(reuse[i]), free(reuse[i]);
    for (size_t n = 0; n < SMALL; n++)
        if (small[n]) hl_live_remove(small[n]), free(small[n]);
    for (int i = 0; i < ODD; i++)
        if (odd[i]) hl_live_remove(odd[i]), free(odd[i]);
    CHECK(hl_live_count() == 0);
    return 0;
}
