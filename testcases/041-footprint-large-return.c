//@ category: footprint
//@ points: 2
//@ timeout: 10
//@ mode: static
//! ok: malloc(64 MiB), written: the footprint grew by at least 64 MiB
//! ok: free(64 MiB): the footprint dropped by at least 48 MiB
//! ok: the same for 40 MiB and for a block grown to 48 MiB by realloc

/* Large blocks must go back to the system when they are freed (the footprint category): a
 * program that briefly needs a 64 MiB buffer should not keep 64 MiB forever. Allocators that
 * put large blocks on the heap and only ever grow it with sbrk, or that cache freed mappings
 * without limit, fail. The footprint is VmData, which drops when memory is unmapped (munmap)
 * or the heap shrinks (sbrk with a negative increment); small blocks are allocated after
 * each large one, so a heap cannot simply give back its top. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *fences[16];
static int nfences;

static void fence(void) {
    fences[nfences] = hl_malloc(100, 77);
    nfences++;
}

static void large_cycle(size_t n, int print) {
    size_t before = hl_footprint();
    void *p = hl_malloc(n, n);
    fence();
    size_t during = hl_footprint();
    CHECK_MSG(during >= before + n - (1u << 20),
              "the footprint grew by only %zu KiB for a %zu KiB block: where does it come from?",
              (during - before) >> 10, n >> 10);
    if (print) printf("ok: malloc(64 MiB), written: the footprint grew by at least 64 MiB\n");
    hl_free(p, n, n);
    size_t after = hl_footprint();
    CHECK_MSG(after + n / 4 * 3 <= during,
              "free of a %zu MiB block: footprint %zu KiB -> %zu KiB, not returned to the system",
              n >> 20, during >> 10, after >> 10);
    if (print) printf("ok: free(64 MiB): the footprint dropped by at least 48 MiB\n");
}

int main(void) {
    fence();
    large_cycle(64u << 20, 1);
    large_cycle(40u << 20, 0);

    /* A block that reaches 48 MiB by realloc. */
    size_t n = 1u << 20;
    void *p = hl_malloc(n, 9);
    fence();
    hl_live_remove(p);
    p = realloc(p, 48u << 20);
    CHECK(p != NULL);
    CHECK(hl_verify(p, n, 9));
    n = 48u << 20;
    hl_live_add(p, n, 1);
    hl_fill(p, n, 9);
    fence();
    size_t during = hl_footprint();
    hl_free(p, n, 9);
    size_t after = hl_footprint();
    CHECK_MSG(after + (36u << 20) <= during,
              "free of a 48 MiB block grown by realloc: footprint %zu KiB -> %zu KiB", during >> 10,
              after >> 10);
    for (int i = 0; i < nfences; i++) hl_free(fences[i], 100, 77);
    printf("ok: the same for 40 MiB and for a block grown to 48 MiB by realloc\n");
    return 0;
}
