//@ category: alignment
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//@ needs: aligned
//! ok: aligned_alloc and memalign, alignments 16 .. 1 MiB: aligned, usable, no overlap
//! ok: aligned blocks reallocated (grown and shrunk): contents kept, aligned to ??{[0-9]+}??
//! ok: all freed, heap still works

/* aligned_alloc (C11) and memalign (the older interface that libraries such as libstdc++
 * and glib still call) with every power-of-two alignment from 16 bytes to 1 MiB. The
 * returned pointer is usually inside a larger block, so free and realloc must find the real
 * block from it: an allocator that does not record the offset frees the wrong address or
 * copies from the wrong place on realloc. Both are exercised, with the contents checked. */
#include "test_runtime.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#define NALIGN 17 /* 16 .. 1 MiB */
#define PER    6

static void *blocks[NALIGN * PER];
static size_t sizes[NALIGN * PER];
static void *smalls[NALIGN * PER];

int main(void) {
    int n = 0;
    for (int a = 0; a < NALIGN; a++) {
        size_t align = (size_t)16 << a;
        for (int k = 0; k < PER; k++) {
            void *p;
            size_t size;
            if (k % 2 == 0) {
                size = align * (size_t)(k / 2 + 1); /* C11: a multiple of the alignment */
                p = aligned_alloc(align, size);
            } else {
                size = align / 2 + (size_t)k * 13;
                p = memalign(align, size);
            }
            CHECK_MSG(p != NULL, "%s(%zu, %zu) returned NULL", k % 2 ? "memalign" : "aligned_alloc",
                      align, size);
            CHECK_MSG((uintptr_t)p % align == 0, "%s(%zu, %zu) = %p is misaligned",
                      k % 2 ? "memalign" : "aligned_alloc", align, size, p);
            hl_live_add(p, size, align);
            hl_fill(p, size, (uint64_t)n);
            blocks[n] = p;
            sizes[n] = size;
            smalls[n] = hl_malloc(40, 7); /* plain blocks in between, some freed */
            if (k % 3 == 0) hl_free(smalls[n], 40, 7), smalls[n] = NULL;
            n++;
        }
    }
    for (int i = 0; i < n; i++) CHECK(hl_verify(blocks[i], sizes[i], (uint64_t)i));
    printf("ok: aligned_alloc and memalign, alignments 16 .. 1 MiB: aligned, usable, no overlap\n");

    for (int i = 0; i < n; i++) {
        size_t to = i % 2 ? sizes[i] * 2 + 3 : sizes[i] / 3 + 1;
        hl_live_remove(blocks[i]);
        void *q = realloc(blocks[i], to);
        CHECK_MSG(q != NULL, "realloc of an aligned block to %zu bytes returned NULL", to);
        CHECK_ALIGNED(q, "realloc of an aligned block to %zu bytes", to);
        size_t keep = to < sizes[i] ? to : sizes[i];
        CHECK_MSG(hl_verify(q, keep, (uint64_t)i),
                  "realloc of an aligned block (%zu -> %zu bytes) lost byte %zu", sizes[i], to,
                  hl_first_mismatch(q, keep, (uint64_t)i));
        hl_live_add(q, to, 1);
        hl_fill(q, to, (uint64_t)i);
        blocks[i] = q;
        sizes[i] = to;
    }
    printf("ok: aligned blocks reallocated (grown and shrunk): contents kept, aligned to %zu\n",
           hl_align());

    for (int i = 0; i < n; i++) {
        CHECK(hl_verify(blocks[i], sizes[i], (uint64_t)i));
        hl_live_remove(blocks[i]);
        free(blocks[i]);
    }
    for (int i = 0; i < n; i++)
        if (smalls[i]) hl_free(smalls[i], 40, 7);
    CHECK(hl_live_count() == 0);
    for (int i = 0; i < 1000; i++) hl_free(hl_malloc((size_t)i * 7 + 1, 8), (size_t)i * 7 + 1, 8);
    printf("ok: all freed, heap still works\n");
    return 0;
}
