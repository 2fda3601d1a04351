//@ category: footprint
//@ points: 1
//@ timeout: 10
//@ mode: static
//! ok: a block grown by realloc from 1 KiB to 64 MiB (factor 1.25 per step), contents kept
//! ok: the footprint stayed under 2 x the block's size + 8 MiB at every step
//! ok: after free the footprint is back within 8 MiB of the start

/* A buffer that grows by repeated realloc (a vector, a string builder, a file read into
 * memory) must not leave every previous copy behind: each old block has to be reused, merged
 * or returned once the contents have moved. Allocators that move the block on every step and
 * never coalesce or unmap the old copies hold the sum of all sizes, about five times the
 * final size for a growth factor of 1.25. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

int main(void) {
    size_t start = hl_footprint();
    size_t n = 1024;
    unsigned char *p = hl_malloc(n, 44);
    while (n < (64u << 20)) {
        size_t to = n + n / 4;
        if (to > (64u << 20)) to = 64u << 20;
        hl_live_remove(p);
        unsigned char *q = realloc(p, to);
        CHECK_MSG(q != NULL, "realloc(%zu -> %zu) returned NULL", n, to);
        CHECK_MSG(hl_verify(q, n, 44), "realloc %zu -> %zu lost byte %zu", n, to,
                  hl_first_mismatch(q, n, 44));
        hl_live_add(q, to, 1);
        hl_fill(q, to, 44);
        p = q;
        n = to;
        size_t now = hl_footprint();
        CHECK_MSG(now <= start + 2 * n + (8u << 20),
                  "block of %zu KiB: footprint grew by %zu KiB (old copies kept?)", n >> 10,
                  (now - start) >> 10);
    }
    printf("ok: a block grown by realloc from 1 KiB to 64 MiB (factor 1.25 per step), contents "
           "kept\n");
    printf("ok: the footprint stayed under 2 x the block's size + 8 MiB at every step\n");
    hl_free(p, n, 44);
    size_t end = hl_footprint();
    CHECK_MSG(end <= start + (8u << 20), "after free: footprint %zu KiB, at the start %zu KiB",
              end >> 10, start >> 10);
    printf("ok: after free the footprint is back within 8 MiB of the start\n");
    return 0;
}
