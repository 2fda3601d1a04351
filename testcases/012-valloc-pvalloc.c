//@ category: alignment
//@ points: 1
//@ timeout: 10
//@ mode: static preload
//@ needs: aligned
//! ok: valloc: 200 blocks page-aligned, usable, no overlap
//! ok: pvalloc: 200 blocks page-aligned, usable up to the next page boundary
//! ok: mixed with malloc and freed

/* valloc(n) returns page-aligned memory; pvalloc(n) also rounds n up to a whole number of
 * pages, so the caller may use every byte up to the page boundary (old code such as I/O
 * buffers relies on it). Both are usually built on memalign, and both are checked like any
 * other block: aligned, disjoint from the live blocks, every usable byte kept. */
#include "test_runtime.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define N 200

static void *vb[N], *pb[N], *mb[N];
static size_t vs[N], ps[N];

int main(void) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uint64_t rng = 12;
    for (int i = 0; i < N; i++) {
        vs[i] = 1 + hl_rand(&rng) % (3 * page);
        vb[i] = valloc(vs[i]);
        CHECK_MSG(vb[i] != NULL, "valloc(%zu) returned NULL", vs[i]);
        CHECK_MSG((uintptr_t)vb[i] % page == 0, "valloc(%zu) = %p is not page-aligned", vs[i],
                  vb[i]);
        hl_live_add(vb[i], vs[i], page);
        hl_fill(vb[i], vs[i], (uint64_t)i);
        mb[i] = hl_malloc((size_t)i + 1, 500 + (uint64_t)i);
    }
    printf("ok: valloc: %d blocks page-aligned, usable, no overlap\n", N);

    for (int i = 0; i < N; i++) {
        size_t asked = 1 + hl_rand(&rng) % (3 * page);
        ps[i] = (asked + page - 1) / page * page;
        pb[i] = pvalloc(asked);
        CHECK_MSG(pb[i] != NULL, "pvalloc(%zu) returned NULL", asked);
        CHECK_MSG((uintptr_t)pb[i] % page == 0, "pvalloc(%zu) = %p is not page-aligned", asked,
                  pb[i]);
        hl_live_add(pb[i], ps[i], page);
        hl_fill(pb[i], ps[i], 1000 + (uint64_t)i);
    }
    printf("ok: pvalloc: %d blocks page-aligned, usable up to the next page boundary\n", N);

    for (int i = 0; i < N; i++) {
        CHECK(hl_verify(vb[i], vs[i], (uint64_t)i));
        CHECK(hl_verify(pb[i], ps[i], 1000 + (uint64_t)i));
        hl_live_remove(vb[i]);
        free(vb[i]);
        hl_free(mb[i], (size_t)i + 1, 500 + (uint64_t)i);
    }
    for (int i = 0; i < N; i++) {
        hl_live_remove(pb[i]);
        free(pb[i]);
    }
    CHECK(hl_live_count() == 0);
    printf("ok: mixed with malloc and freed\n");
    return 0;
}
