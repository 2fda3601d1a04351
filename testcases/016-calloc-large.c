//@ category: calloc
//@ points: 1
//@ timeout: 10
//@ mode: static preload
//! ok: large callocs (64 KiB .. 8 MiB) after dirty frees: all zero
//! ok: calloc into space released by shrinking reallocs: all zero

/* Large callocs are where "the memory is fresh from mmap, no need to clear it" shortcuts
 * live. They are right only when the block really is fresh: a large block recycled from a
 * free list, carved from the heap's top after a dirty block was coalesced into it, or the
 * tail that a shrinking realloc gave back, still holds old bytes. Each case is made dirty
 * first; every byte of the calloc'd block is checked. */
#include "test_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const size_t sizes[] = {65536 - 16, 65536,   131072 - 16, 131072 + 16,
                               262144,     1 << 20, 3000000,     8 << 20};
#define NSIZES (sizeof sizes / sizeof sizes[0])

int main(void) {
    for (size_t k = 0; k < NSIZES; k++) {
        size_t s = sizes[k];
        for (int rep = 0; rep < 3; rep++) {
            /* A dirty block of the same size, and one a little larger, then calloc. */
            unsigned char *a = malloc(s), *b = malloc(s + 4096);
            CHECK(a && b);
            memset(a, 0xff, s);
            memset(b, 0xee, s + 4096);
            void *fence = malloc(32);
            free(a);
            free(b);
            unsigned char *z = calloc(s, 1);
            CHECK_MSG(z != NULL, "calloc(%zu, 1) returned NULL", s);
            hl_check_zero(z, s, "calloc");
            unsigned char *y = calloc(1, s / 2 + 7);
            CHECK(y != NULL);
            hl_check_zero(y, s / 2 + 7, "calloc");
            free(z);
            free(y);
            free(fence);
        }
    }
    printf("ok: large callocs (64 KiB .. 8 MiB) after dirty frees: all zero\n");

    for (size_t k = 0; k < NSIZES; k++) {
        size_t s = sizes[k];
        unsigned char *p = malloc(s);
        CHECK(p != NULL);
        memset(p, 0xcc, s);
        void *fence = malloc(64);
        p = realloc(p, 100); /* the tail goes back to the allocator, dirty */
        CHECK(p != NULL);
        unsigned char *z = calloc(1, s - 200);
        CHECK(z != NULL);
        hl_check_zero(z, s - 200, "calloc after realloc shrink");
        unsigned char *w = calloc(4, 1000);
        CHECK(w != NULL);
        hl_check_zero(w, 4000, "calloc after realloc shrink");
        free(w);
        free(z);
        free(p);
        free(fence);
    }
    printf("ok: calloc into space released by shrinking reallocs: all zero\n");
    return 0;
}
