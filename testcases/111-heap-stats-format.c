//@ category: heap-report
//@ points: 1
//@ timeout: 10
//@ mode: static preload
//@ needs: heap-report
//! ok: blocks allocated
//! malloc_stats: class   size     blocks     in-use       free   requests      frees
//! ??{malloc_stats: +0 +16( +[0-9]+){5}}??
//! ???
//! ??{malloc_stats: total( +[0-9]+){5}}??
//! ??{malloc_stats: thread heaps [0-9]+, spans [0-9]+ of [0-9]+ bytes}??
//! ??{malloc_stats: heap [0-9]+ bytes, [0-9]+ free; mmap threshold [0-9]+}??
//! ok: malloc_stats printed its table

/* malloc_stats() prints one row per size class (class, block size, blocks, in use, free,
 * requests, frees), a total row and two summary lines, on standard error like glibc's. */
#include "alloc.h"
#include "test_runtime.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    void *p[100];
    for (int i = 0; i < 100; i++) p[i] = hl_malloc((size_t)(1 + i * 20), (uint64_t)i);
    printf("ok: blocks allocated\n");
    fflush(stdout);
    malloc_stats();
    for (int i = 0; i < 100; i++) hl_free(p[i], (size_t)(1 + i * 20), (uint64_t)i);
    printf("ok: malloc_stats printed its table\n");
    return 0;
}
