//@ category: realloc
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! ok: 14 sizes: shrink to 1/2, 1/7, 1 byte, then grow back, prefix kept every time
//! ok: other blocks allocated meanwhile intact

/* Shrinking a block and growing it again must keep the prefix that survived the shrink.
 * An allocator that splits the tail off on shrink and coalesces it back on growth has two
 * chances to scribble: the new free block's header and links are written right after the
 * kept prefix, and the growth may reuse a tail that someone else has since been given. Other
 * blocks are allocated between the steps so the freed tails get reused. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

static const size_t sizes[] = {64,     100,    256,    1000,     4096,    10000,    65536,
                               100000, 131072, 300000, 1u << 20, 2500000, 4u << 20, 9000000};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static void *others[NSIZES * 8];
static size_t osize[NSIZES * 8];
static int nothers;

static void *resize(void *p, size_t from, size_t to, uint64_t seed) {
    hl_live_remove(p);
    void *q = realloc(p, to);
    CHECK_MSG(q != NULL, "realloc(%zu -> %zu) returned NULL", from, to);
    size_t keep = from < to ? from : to;
    CHECK_MSG(hl_verify(q, keep, seed), "realloc %zu -> %zu: byte %zu of the prefix changed", from,
              to, hl_first_mismatch(q, keep, seed));
    hl_live_add(q, to, 1);
    return q;
}

static void other(size_t n) {
    others[nothers] = hl_malloc(n, 7000 + (uint64_t)nothers);
    osize[nothers] = n;
    nothers++;
}

int main(void) {
    for (size_t k = 0; k < NSIZES; k++) {
        size_t s = sizes[k], steps[] = {s / 2, s / 7, 1};
        for (int i = 0; i < 3; i++) {
            void *p = hl_malloc(s, k);
            hl_live_remove(p);
            hl_live_add(p, s, 1); /* same block, tracked by resize from here on */
            p = resize(p, s, steps[i], k);
            other(steps[i] + 8); /* may land in the freed tail */
            if (i == 2) other(s / 3);
            p = resize(p, steps[i], s, k);
            hl_fill(p, s, k);
            p = resize(p, s, s + s / 3, k);
            hl_live_remove(p);
            free(p);
        }
    }
    printf("ok: %zu sizes: shrink to 1/2, 1/7, 1 byte, then grow back, prefix kept every time\n",
           NSIZES);
    for (int i = 0; i < nothers; i++) hl_free(others[i], osize[i], 7000 + (uint64_t)i);
    CHECK(hl_live_count() == 0);
    printf("ok: other blocks allocated meanwhile intact\n");
    return 0;
}
