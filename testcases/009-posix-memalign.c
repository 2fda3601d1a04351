//@ category: alignment
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//@ needs: aligned
//! ok: posix_memalign, alignments 8 .. 1 MiB, 7 sizes each: aligned, usable, no overlap
//! ok: EINVAL for alignments 0, 4, 24, 48, 1000 and 2^20 + 8
//! ok: ENOMEM for a size of SIZE_MAX and of PTRDIFF_MAX
//! ok: blocks freed in a shuffled order, allocation still works

/* posix_memalign is what most real programs call when they need alignment (it is why the
 * aligned family unlocks the real-program tests). Each power-of-two alignment from
 * sizeof(void *) to 1 MiB is asked for with sizes below, at and above it; the payload must be
 * aligned, fully writable and disjoint from every other live block. An invalid alignment
 * must give EINVAL and an impossible size ENOMEM, as return values (posix_memalign does not
 * set errno). Over-allocating and returning an interior pointer is the usual technique, so
 * freeing those pointers is checked as well. */
#include "test_runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define NALIGN 18 /* 8 .. 1 MiB */
#define NSIZE  7

static void *blocks[NALIGN * NSIZE];
static size_t sizes[NALIGN * NSIZE];

int main(void) {
    int n = 0;
    for (int a = 0; a < NALIGN; a++) {
        size_t align = (size_t)8 << a;
        size_t want[NSIZE] = {1, 17, align - 1, align, align + 1, 3 * align + 5, 100};
        for (int s = 0; s < NSIZE; s++) {
            void *p = NULL;
            int rc = posix_memalign(&p, align, want[s]);
            CHECK_MSG(rc == 0, "posix_memalign(align %zu, size %zu) returned %d", align, want[s],
                      rc);
            CHECK_MSG(p != NULL, "posix_memalign(align %zu, size %zu) gave NULL", align, want[s]);
            CHECK_MSG((uintptr_t)p % align == 0, "posix_memalign(align %zu) = %p, misaligned",
                      align, p);
            hl_live_add(p, want[s], align);
            hl_fill(p, want[s], (uint64_t)n);
            blocks[n] = p;
            sizes[n++] = want[s];
            void *filler = hl_malloc(want[s] % 200 + 1, 999); /* interleave plain mallocs */
            hl_free(filler, want[s] % 200 + 1, 999);
        }
    }
    for (int i = 0; i < n; i++)
        CHECK_MSG(hl_verify(blocks[i], sizes[i], (uint64_t)i),
                  "aligned block %d (%zu bytes) changed at byte %zu", i, sizes[i],
                  hl_first_mismatch(blocks[i], sizes[i], (uint64_t)i));
    printf("ok: posix_memalign, alignments 8 .. 1 MiB, %d sizes each: aligned, usable, no "
           "overlap\n",
           NSIZE);

    static const size_t bad[] = {0, 4, 24, 48, 1000, (1u << 20) + 8};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        void *p = NULL;
        int rc = posix_memalign(&p, bad[i], 64);
        CHECK_MSG(rc == EINVAL, "posix_memalign(align %zu) returned %d, not EINVAL", bad[i], rc);
    }
    printf("ok: EINVAL for alignments 0, 4, 24, 48, 1000 and 2^20 + 8\n");

    volatile size_t huge[] = {SIZE_MAX, PTRDIFF_MAX};
    for (size_t i = 0; i < 2; i++) {
        void *p = NULL;
        int rc = posix_memalign(&p, 64, huge[i]);
        CHECK_MSG(rc == ENOMEM, "posix_memalign(64, %zu) returned %d, not ENOMEM", huge[i], rc);
    }
    printf("ok: ENOMEM for a size of SIZE_MAX and of PTRDIFF_MAX\n");

    uint64_t rng = 9;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(hl_rand(&rng) % (uint64_t)(i + 1));
        void *tp = blocks[i];
        blocks[i] = blocks[j];
        blocks[j] = tp;
        size_t ts = sizes[i];
        sizes[i] = sizes[j];
        sizes[j] = ts;
    }
    for (int i = 0; i < n; i++) {
        hl_live_remove(blocks[i]);
        free(blocks[i]);
        if (i % 10 == 0) hl_free(hl_malloc(1000, 5), 1000, 5);
    }
    CHECK(hl_live_count() == 0);
    void *p = hl_malloc(5000, 6);
    hl_free(p, 5000, 6);
    printf("ok: blocks freed in a shuffled order, allocation still works\n");
    return 0;
}
