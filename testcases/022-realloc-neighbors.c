//@ category: realloc
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! ok: 12 sizes: realloc grew into freed neighbours, live neighbours intact
//! ok: realloc shrank in place, new blocks in the released tail, prefix and neighbours intact

/* realloc that grows a block in place must check that the space it takes is really free and
 * large enough, and update the free lists it takes it from; realloc that shrinks in place
 * must not release more than the tail. Blocks A, B, C, D are allocated in a row, B is freed,
 * A grown (into B's space if the allocator can), and C (live) must not change; then A is
 * shrunk and the released tail reused while A's prefix and C stay intact. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

static const size_t sizes[] = {16, 24, 40, 64, 100, 200, 512, 1000, 3000, 8192, 20000, 70000};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static void *grow(void *p, size_t from, size_t to, uint64_t seed) {
    hl_live_remove(p);
    void *q = realloc(p, to);
    CHECK_MSG(q != NULL, "realloc(%zu -> %zu) returned NULL", from, to);
    size_t keep = from < to ? from : to;
    CHECK_MSG(hl_verify(q, keep, seed), "realloc %zu -> %zu lost byte %zu", from, to,
              hl_first_mismatch(q, keep, seed));
    hl_live_add(q, to, 1);
    hl_fill(q, to, seed);
    return q;
}

int main(void) {
    for (size_t k = 0; k < NSIZES; k++) {
        size_t s = sizes[k];
        for (int rep = 0; rep < 20; rep++) {
            void *a = hl_malloc(s, 1), *b = hl_malloc(s, 2), *c = hl_malloc(s, 3);
            void *d = hl_malloc(s, 4);
            hl_free(b, s, 2);
            size_t to = rep % 2 ? 2 * s : s + s / 2 + 8; /* exactly B's room, or less */
            a = grow(a, s, to, 1);
            CHECK_MSG(hl_verify(c, s, 3), "realloc of its neighbour changed byte %zu of C",
                      hl_first_mismatch(c, s, 3));
            hl_free(c, s, 3);
            a = grow(a, to, 3 * s + 16, 1); /* into C's space now */
            CHECK_MSG(hl_verify(d, s, 4), "realloc of its neighbour changed byte %zu of D",
                      hl_first_mismatch(d, s, 4));
            hl_free(a, 3 * s + 16, 1);
            hl_free(d, s, 4);
        }
    }
    printf("ok: %zu sizes: realloc grew into freed neighbours, live neighbours intact\n", NSIZES);

    for (size_t k = 0; k < NSIZES; k++) {
        size_t s = sizes[k] * 4;
        void *a = hl_malloc(s, 5), *c = hl_malloc(100, 6);
        a = grow(a, s, s / 4, 5);
        void *n1 = hl_malloc(s / 4, 7), *n2 = hl_malloc(s / 8, 8), *n3 = hl_malloc(16, 9);
        CHECK(hl_verify(a, s / 4, 5));
        CHECK(hl_verify(c, 100, 6));
        a = grow(a, s / 4, s, 5);
        CHECK(hl_verify(n1, s / 4, 7));
        CHECK(hl_verify(n2, s / 8, 8));
        hl_free(n1, s / 4, 7);
        hl_free(n2, s / 8, 8);
        hl_free(n3, 16, 9);
        hl_free(a, s, 5);
        hl_free(c, 100, 6);
    }
    CHECK(hl_live_count() == 0);
    printf("ok: realloc shrank in place, new blocks in the released tail, prefix and neighbours "
           "intact\n");
    return 0;
}
