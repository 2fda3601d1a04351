//@ category: basic
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! ok: sizes 1..4096, all live at once, patterns intact
//! ok: freed the odd sizes, reallocated them, patterns intact
//! ok: sizes 4097..1048576 in steps of 4093, patterns intact

/* Every size from 1 to 4096 bytes, one block each, all live at once. Size-class and
 * rounding bugs hide at particular sizes (one byte past a class boundary, a size that needs
 * exactly the header's room); a sweep meets all of them. Freeing every other block and
 * allocating the same sizes again checks that the blocks reused from the free lists are as
 * large as asked and do not reach into the neighbours that stayed live. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define MAXSMALL 4096

static void *blocks[MAXSMALL + 1];

int main(void) {
    for (size_t n = 1; n <= MAXSMALL; n++) blocks[n] = hl_malloc(n, n);
    for (size_t n = 1; n <= MAXSMALL; n++)
        CHECK_MSG(hl_verify(blocks[n], n, n), "block of %zu bytes changed at byte %zu", n,
                  hl_first_mismatch(blocks[n], n, n));
    printf("ok: sizes 1..4096, all live at once, patterns intact\n");

    for (size_t n = 1; n <= MAXSMALL; n += 2) hl_free(blocks[n], n, n);
    for (size_t n = MAXSMALL - 1; n >= 1; n -= 2) {
        blocks[n] = hl_malloc(n, n + 7);
        if (n == 1) break;
    }
    for (size_t n = 1; n <= MAXSMALL; n++) {
        uint64_t seed = n % 2 ? n + 7 : n;
        CHECK_MSG(hl_verify(blocks[n], n, seed), "block of %zu bytes changed at byte %zu", n,
                  hl_first_mismatch(blocks[n], n, seed));
    }
    for (size_t n = 1; n <= MAXSMALL; n++) hl_free(blocks[n], n, n % 2 ? n + 7 : n);
    printf("ok: freed the odd sizes, reallocated them, patterns intact\n");

    /* Larger sizes, a few hundred of them, live together (about 130 MB would be too much:
     * they are freed in batches of 32). */
    void *batch[32];
    size_t bsize[32];
    int k = 0;
    for (size_t n = MAXSMALL + 1; n <= (1u << 20); n += 4093) {
        bsize[k] = n;
        batch[k] = hl_malloc(n, n);
        if (++k == 32) {
            while (k > 0) {
                k--;
                hl_free(batch[k], bsize[k], bsize[k]);
            }
        }
    }
    while (k > 0) {
        k--;
        hl_free(batch[k], bsize[k], bsize[k]);
    }
    CHECK(hl_live_count() == 0);
    printf("ok: sizes 4097..1048576 in steps of 4093, patterns intact\n");
    return 0;
}
