//@ category: edge
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! realloc(small, SIZE_MAX): NULL, ENOMEM, block intact
//! realloc(small, SIZE_MAX - 15): NULL, ENOMEM, block intact
//! realloc(small, PTRDIFF_MAX): NULL, ENOMEM, block intact
//! realloc(large, SIZE_MAX): NULL, ENOMEM, block intact
//! realloc(large, SIZE_MAX - 15): NULL, ENOMEM, block intact
//! realloc(large, PTRDIFF_MAX): NULL, ENOMEM, block intact
//! ok: the blocks still grow and free normally

/* When realloc fails it must return NULL, set errno to ENOMEM and leave the old block
 * untouched and still allocated (C11 7.22.3.5): the idiom `q = realloc(p, n); if (!q)
 * keep using p` depends on it. Allocators get this wrong by freeing p before trying the new
 * allocation, by wrapping the size around to a small one and "succeeding", or by shrinking
 * the block in place as a side effect. Small and large (mmap-sized) blocks are both tried. A
 * wrong errno is reported for each case and the test goes on; a block returned, or the old one
 * changed, stops it there. */
#include "test_runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wrong_errno;

static void expect_fail(void *p, size_t n, uint64_t seed, const char *what, size_t to) {
    volatile size_t vto = to;
    errno = 0;
    void *q = realloc(p, vto);
    int err = errno;
    /* The old block may be gone after a "successful" realloc: nothing after it can be trusted. */
    CHECK_MSG(q == NULL,
              "realloc(%s) returned a block (%p): adding the header or rounding up wraps the size "
              "around, or the request is passed on unchecked: check the size first",
              what, q);
    if (err != ENOMEM) {
        printf("realloc(%s): returned NULL but errno is %d (%s), expected ENOMEM\n", what, err,
               err ? strerror(err) : "unchanged");
        wrong_errno++;
    }
    CHECK_MSG(hl_verify(p, n, seed), "failed realloc(%s) changed byte %zu of the block", what,
              hl_first_mismatch(p, n, seed));
    /* The block must still be allocated: new blocks must not overlap it. */
    void *probe[8];
    for (int i = 0; i < 8; i++) probe[i] = hl_malloc(n / 8 + 1, 100 + (uint64_t)i);
    for (int i = 0; i < 8; i++) hl_free(probe[i], n / 8 + 1, 100 + (uint64_t)i);
    CHECK(hl_verify(p, n, seed));
    if (err == ENOMEM) printf("realloc(%s): NULL, ENOMEM, block intact\n", what);
}

int main(void) {
    size_t n[2] = {200, 1u << 20};
    const char *name[2] = {"small", "large"};
    void *p[2];
    char what[64];
    for (int k = 0; k < 2; k++) {
        p[k] = hl_malloc(n[k], (uint64_t)k);
        snprintf(what, sizeof what, "%s, SIZE_MAX", name[k]);
        expect_fail(p[k], n[k], (uint64_t)k, what, SIZE_MAX);
        snprintf(what, sizeof what, "%s, SIZE_MAX - 15", name[k]);
        expect_fail(p[k], n[k], (uint64_t)k, what, SIZE_MAX - 15);
        snprintf(what, sizeof what, "%s, PTRDIFF_MAX", name[k]);
        expect_fail(p[k], n[k], (uint64_t)k, what, PTRDIFF_MAX);
    }
    for (int k = 0; k < 2; k++) {
        hl_live_remove(p[k]);
        void *q = realloc(p[k], n[k] * 2);
        CHECK(q != NULL);
        CHECK(hl_verify(q, n[k], (uint64_t)k));
        hl_live_add(q, n[k] * 2, 1);
        hl_fill(q, n[k] * 2, (uint64_t)k);
        hl_free(q, n[k] * 2, (uint64_t)k);
    }
    printf("ok: the blocks still grow and free normally\n");
    CHECK_MSG(wrong_errno == 0, "%d of 6 failed reallocs left errno other than ENOMEM (see above)",
              wrong_errno);
    return 0;
}
