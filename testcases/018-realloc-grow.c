//@ category: realloc
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! ok: 4 blocks grown from 1 byte toward 16 MiB in 39 steps each, contents kept
//! ok: blocks allocated between the steps intact

/* Growing a block with realloc must keep all of its old contents, whether the allocator
 * extends it in place, moves it, or moves it from the small-block heap to its own mapping.
 * Bugs: copying the new size instead of the old one (reading past the end of the old
 * block), copying only up to a size-class boundary, or extending in place over a neighbour.
 * Four blocks grow side by side with small blocks allocated between the steps, so some steps
 * can extend in place and others must move. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>

#define GROWERS 4
#define STEPS   39

int main(void) {
    void *p[GROWERS] = {0};
    size_t size[GROWERS] = {0};
    void *between[GROWERS * STEPS];
    int nb = 0, steps = 0;
    for (size_t next = 1; next <= (16u << 20); next = next * 3 / 2 + 1) {
        for (int g = 0; g < GROWERS; g++) {
            size_t to = next + (size_t)g * 7;
            if (p[g]) hl_live_remove(p[g]);
            void *q = realloc(p[g], to);
            CHECK_MSG(q != NULL, "realloc to %zu bytes returned NULL", to);
            CHECK_MSG(hl_verify(q, size[g], (uint64_t)g),
                      "realloc %zu -> %zu bytes: byte %zu of the old contents changed", size[g], to,
                      hl_first_mismatch(q, size[g], (uint64_t)g));
            hl_live_add(q, to, 1);
            hl_fill(q, to, (uint64_t)g);
            p[g] = q;
            size[g] = to;
            if (next < 100000) {
                between[nb] = hl_malloc(24, 1000 + (uint64_t)nb);
                nb++;
            }
        }
        steps++;
    }
    for (int g = 0; g < GROWERS; g++) hl_free(p[g], size[g], (uint64_t)g);
    printf("ok: %d blocks grown from 1 byte toward 16 MiB in %d steps each, contents kept\n",
           GROWERS, steps);
    for (int i = 0; i < nb; i++) hl_free(between[i], 24, 1000 + (uint64_t)i);
    printf("ok: blocks allocated between the steps intact\n");
    return 0;
}
