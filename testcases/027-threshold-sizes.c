//@ category: edge
//@ points: 1
//@ timeout: 10
//@ mode: static preload
//! ok: 10 thresholds x 9 sizes around each, all live at once, patterns intact
//! ok: freed in an interleaved order and allocated again, patterns intact

/* Sizes just below, at and just above the places where allocators switch strategy: a page
 * (4 KiB), common size-class limits, 64 KiB, glibc's and most students' mmap threshold
 * (128 KiB), 1 MiB and 32 MiB. The size arithmetic of the two strategies differs (header
 * included or not, rounded to 16 or to a page), so a request a few bytes from the threshold
 * is where a block ends up a few bytes too small. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

static const size_t thresholds[] = {512,   1024,   4096,   8192,     16384,
                                    65536, 131072, 262144, 1u << 20, 32u << 20};
static const int deltas[] = {-48, -17, -16, -1, 0, 1, 15, 16, 33};
#define NT (sizeof thresholds / sizeof thresholds[0])
#define ND (sizeof deltas / sizeof deltas[0])

static void *blocks[NT * ND];
static size_t sizes[NT * ND];

int main(void) {
    size_t n = 0;
    for (size_t t = 0; t < NT; t++) {
        for (size_t d = 0; d < ND; d++) {
            sizes[n] = (size_t)((long)thresholds[t] + deltas[d]);
            if (thresholds[t] >= (32u << 20) && deltas[d] != 1) continue; /* keep it short */
            blocks[n] = hl_malloc(sizes[n], n);
            n++;
        }
    }
    for (size_t i = 0; i < n; i++)
        CHECK_MSG(hl_verify(blocks[i], sizes[i], i), "block of %zu bytes changed at byte %zu",
                  sizes[i], hl_first_mismatch(blocks[i], sizes[i], i));
    printf("ok: %zu thresholds x %zu sizes around each, all live at once, patterns intact\n", NT,
           ND);

    for (size_t i = 0; i < n; i += 2) hl_free(blocks[i], sizes[i], i);
    for (size_t i = 0; i < n; i += 2) blocks[i] = hl_malloc(sizes[i], i + 1000);
    for (size_t i = 1; i < n; i += 2) hl_free(blocks[i], sizes[i], i);
    for (size_t i = 1; i < n; i += 2) blocks[i] = hl_malloc(sizes[i], i + 1000);
    for (size_t i = 0; i < n; i++) hl_free(blocks[i], sizes[i], i + 1000);
    CHECK(hl_live_count() == 0);
    printf("ok: freed in an interleaved order and allocated again, patterns intact\n");
    return 0;
}
