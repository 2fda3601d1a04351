//@ category: calloc
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! ok: 12 sizes (1 .. 2 MiB): calloc returned zeroed memory after dirty frees
//! ok: calloc(nmemb, size) zeroed all nmemb * size bytes

/* calloc must return zeroed memory even when it reuses a block that a program filled and
 * freed. The classic bug is a calloc that skips the memset because "fresh memory from the
 * kernel is zero" and then hands out a recycled block; another clears only the requested
 * size rounded down, or only the first element. Blocks are filled with 0xff and freed, then
 * calloc'd again with the same size many times, every byte checked. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const size_t sizes[] = {1,     8,     24,     100,    1000,    4096,
                               10000, 65536, 100000, 300000, 1 << 20, 2 << 20};
#define NSIZES (sizeof sizes / sizeof sizes[0])
#define MAXN   100

static void *blocks[MAXN];

int main(void) {
    for (size_t k = 0; k < NSIZES; k++) {
        size_t s = sizes[k];
        int count = s > 65536 ? 2 : MAXN, reps = s > 65536 ? 2 : 5;
        for (int rep = 0; rep < reps; rep++) {
            for (int i = 0; i < count; i++) {
                blocks[i] = malloc(s);
                CHECK(blocks[i] != NULL);
                memset(blocks[i], 0xff, s);
            }
            for (int i = 0; i < count; i++) free(blocks[i]);
            for (int i = 0; i < count; i++) {
                blocks[i] = calloc(1, s);
                CHECK_MSG(blocks[i] != NULL, "calloc(1, %zu) returned NULL", s);
                hl_check_zero(blocks[i], s, "calloc");
                hl_live_add(blocks[i], s, 1);
                memset(blocks[i], 0xff, s);
            }
            for (int i = 0; i < count; i++) {
                hl_live_remove(blocks[i]);
                free(blocks[i]);
            }
        }
    }
    printf("ok: %zu sizes (1 .. 2 MiB): calloc returned zeroed memory after dirty frees\n", NSIZES);

    /* The same with the size split between nmemb and size. */
    for (size_t nmemb = 1; nmemb <= 4000; nmemb = nmemb * 3 + 1) {
        for (size_t size = 1; size <= 64; size *= 2) {
            size_t n = nmemb * size;
            unsigned char *d = malloc(n);
            CHECK(d != NULL);
            memset(d, 0xa5, n);
            free(d);
            unsigned char *z = calloc(nmemb, size);
            CHECK_MSG(z != NULL, "calloc(%zu, %zu) returned NULL", nmemb, size);
            hl_check_zero(z, n, "calloc");
            memset(z, 0x5a, n);
            free(z);
        }
    }
    printf("ok: calloc(nmemb, size) zeroed all nmemb * size bytes\n");
    return 0;
}
