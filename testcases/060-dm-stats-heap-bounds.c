//@ category: statistics
//@ points: 2
//@ needs: dmalloc
//! ok: heap_min and heap_max bound exactly the payload bytes handed out (small blocks)
//! ok: still exact with a 1 MiB block and after frees

/* heap_min is the lowest payload byte ever handed out and heap_max bounds the highest (CS61 test014,
 * test015): the test tracks min(p) and max(p + size) over every block itself and expects
 * equality, not just containment, with heap_max either one past the highest byte (CS61 since
 * 2018) or that byte itself (earlier handouts). Catches bounds taken from the metadata header or
 * the block end instead of the payload, bounds that shrink when a block is freed, and bounds
 * left at zero. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

static uintptr_t lo = UINTPTR_MAX, hi = 0;

static void same(const char *what, uintptr_t got, uintptr_t want, uintptr_t or_else) {
    CHECK_MSG(got == want || got == or_else,
              "%s: dmalloc says %#lx, the test saw %#lx (difference %ld)", what, (unsigned long)got,
              (unsigned long)want, (long)(got - want));
}

static char *take(size_t n) {
    char *p = malloc(n);
    CHECK(p != NULL);
    if ((uintptr_t)p < lo) lo = (uintptr_t)p;
    if ((uintptr_t)p + n > hi) hi = (uintptr_t)p + n;
    return p;
}

static void expect(void) {
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    same("heap_min", st.heap_min, lo, lo);
    same("heap_max", st.heap_max, hi, hi - 1);
}

int main(void) {
    static char *p[300];
    uint64_t rng = 60;
    for (int i = 0; i < 300; i++) {
        p[i] = take(1 + hl_rand(&rng) % 500);
        expect();
    }
    for (int i = 0; i < 300; i += 2) free(p[i]);
    expect();
    printf("ok: heap_min and heap_max bound exactly the payload bytes handed out (small blocks)\n");
    char *big = take(1 << 20);
    expect();
    free(big);
    for (int i = 1; i < 300; i += 2) free(p[i]);
    expect();
    printf("ok: still exact with a 1 MiB block and after frees\n");
    return 0;
}
