//@ category: heap-report
//@ points: 2
//@ timeout: 30
//@ mode: static
//@ needs: heap-report
//! ok: alloc_check_heap holds before any work
//! ok: alloc_check_heap holds every 10000 of 200000 random malloc/calloc/realloc/free
//! ok: alloc_check_heap holds after everything is freed

/* alloc_check_heap() walks every structure of the allocator; after any sequence of correct
 * calls it must find the heap consistent (return nonzero) and print nothing. */
#include "alloc.h"
#include "test_runtime.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 5000
static void *live[N];
static size_t size[N];

int main(void) {
    uint64_t rng = 103;
    CHECK(alloc_check_heap());
    printf("ok: alloc_check_heap holds before any work\n");
    for (int k = 1; k <= 200000; k++) {
        int i = (int)(hl_rand(&rng) % N);
        size_t n = hl_rand(&rng) % 8 == 0 ? 1 + hl_rand(&rng) % 300000 : 1 + hl_rand(&rng) % 2000;
        switch (hl_rand(&rng) % 4) {
            case 0:
                if (live[i]) hl_free(live[i], size[i], (uint64_t)i);
                live[i] = hl_malloc(n, (uint64_t)i);
                size[i] = n;
                break;
            case 1:
                if (live[i]) hl_free(live[i], size[i], (uint64_t)i);
                live[i] = calloc(1, n);
                CHECK(live[i] != NULL);
                hl_fill(live[i], n, (uint64_t)i);
                hl_live_add(live[i], n, 1);
                size[i] = n;
                break;
            case 2:
                if (live[i]) {
                    hl_live_remove(live[i]);
                    live[i] = realloc(live[i], n);
                    CHECK(live[i] != NULL);
                    hl_fill(live[i], n, (uint64_t)i);
                    hl_live_add(live[i], n, 1);
                    size[i] = n;
                }
                break;
            default:
                if (live[i]) hl_free(live[i], size[i], (uint64_t)i);
                live[i] = NULL;
        }
        if (k % 10000 == 0) CHECK_MSG(alloc_check_heap(), "heap inconsistent after %d calls", k);
    }
    printf("ok: alloc_check_heap holds every 10000 of 200000 random malloc/calloc/realloc/free\n");
    for (int i = 0; i < N; i++)
        if (live[i]) hl_free(live[i], size[i], (uint64_t)i);
    CHECK(alloc_check_heap());
    printf("ok: alloc_check_heap holds after everything is freed\n");
    return 0;
}
