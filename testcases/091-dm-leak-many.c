//@ category: leaks
//@ points: 2
//@ needs: dmalloc
//! ok: 20000 leaks of 100000 blocks, each reported once with its pointer, size and line

/* A large leak report: 100,000 blocks from three call sites, 20,000 never freed. The report is
 * captured and every line checked (hl_check_leak_report): each leaked block
 * exactly once with its own size and line, no freed block, nothing else. Catches a report that
 * stops early, repeats a block, or mixes up sizes or sites. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <stdlib.h>

#define N 100000

static struct hl_block r[N];

int main(void) {
    uint64_t rng = 91;
    for (int i = 0; i < N; i++) {
        r[i].n = 1 + hl_rand(&rng) % 200;
        switch (i % 3) {
            case 0:
                r[i].line = __LINE__ + 1;
                r[i].p = malloc(r[i].n);
                break;
            case 1:
                r[i].line = __LINE__ + 1;
                r[i].p = calloc(r[i].n, 1);
                break;
            default:
                r[i].line = __LINE__ + 1;
                r[i].p = malloc(r[i].n);
                break;
        }
        CHECK(r[i].p != NULL);
        r[i].leaked = i % 5 == 2;
    }
    for (int i = 0; i < N; i++)
        if (!r[i].leaked) free(r[i].p);

    size_t lines = hl_check_leak_report(dmalloc_print_leak_report, __FILE__, r, N);
    printf("ok: %zu leaks of %d blocks, each reported once with its pointer, size and line\n",
           lines, N);
    return 0;
}
