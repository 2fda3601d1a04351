//@ category: basic
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! ok: 13 sizes, middle block freed and reused, neighbours intact
//! ok: outer blocks freed around a live middle, reused, middle intact

/* Three blocks in a row; the middle one is freed and its space reused by a block of the same
 * size, half the size and one byte, then the outer ones are freed and reused by larger
 * blocks around a live middle. This is where splitting and coalescing code writes headers,
 * footers and free-list links: one of them written at the wrong offset lands in a live
 * neighbour's payload, which keeps a pattern that must not change. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

static const size_t sizes[] = {1, 8, 16, 24, 32, 48, 64, 100, 128, 500, 1000, 4000, 10000};
#define NSIZES (sizeof sizes / sizeof sizes[0])

int main(void) {
    for (size_t k = 0; k < NSIZES; k++) {
        size_t s = sizes[k];
        for (int rep = 0; rep < 50; rep++) {
            void *a = hl_malloc(s, 1), *b = hl_malloc(s, 2), *c = hl_malloc(s, 3);
            hl_free(b, s, 2);
            b = hl_malloc(s, 4);
            hl_free(b, s, 4);
            b = hl_malloc(s / 2 + 1, 5);
            void *d = hl_malloc(1, 6);
            CHECK_MSG(hl_verify(a, s, 1), "left neighbour (%zu bytes) changed at byte %zu", s,
                      hl_first_mismatch(a, s, 1));
            CHECK_MSG(hl_verify(c, s, 3), "right neighbour (%zu bytes) changed at byte %zu", s,
                      hl_first_mismatch(c, s, 3));
            hl_free(d, 1, 6);
            hl_free(b, s / 2 + 1, 5);
            hl_free(c, s, 3);
            hl_free(a, s, 1);
        }
    }
    printf("ok: %zu sizes, middle block freed and reused, neighbours intact\n", NSIZES);

    for (size_t k = 0; k < NSIZES; k++) {
        size_t s = sizes[k];
        void *a = hl_malloc(s, 1), *b = hl_malloc(s, 2), *c = hl_malloc(s, 3);
        hl_free(a, s, 1);
        hl_free(c, s, 3);
        void *e[8];
        for (int i = 0; i < 8; i++) e[i] = hl_malloc(s * (size_t)(i + 1) / 3 + 1, 10 + i);
        CHECK_MSG(hl_verify(b, s, 2), "middle block (%zu bytes) changed at byte %zu", s,
                  hl_first_mismatch(b, s, 2));
        for (int i = 0; i < 8; i++) hl_free(e[i], s * (size_t)(i + 1) / 3 + 1, 10 + i);
        hl_free(b, s, 2);
    }
    CHECK(hl_live_count() == 0);
    printf("ok: outer blocks freed around a live middle, reused, middle intact\n");
    return 0;
}
