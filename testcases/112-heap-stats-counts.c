//@ category: heap-report
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//@ needs: heap-report
//! ok: 1000 blocks of 40 bytes: requests and in-use of their class grew by 1000
//! ok: freed: frees grew by 1000, in-use back where it was

/* The counters of one size class follow what the program does: 1000 allocations of 40 bytes
 * add 1000 requests and 1000 blocks in use to the class that serves 40 bytes, and freeing them
 * adds 1000 frees and takes in-use back. Nothing else runs in between. */
#include "alloc.h"
#include "test_runtime.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct hl_stats st;

static void *blocks[1000];

int main(void) {
    hl_stats_read(&st);
    struct hl_stats_row before = *hl_stats_row_for(&st, 40);
    for (int i = 0; i < 1000; i++) blocks[i] = malloc(40);
    for (int i = 0; i < 1000; i++) CHECK(blocks[i] != NULL);
    hl_stats_read(&st);
    struct hl_stats_row during = *hl_stats_row_for(&st, 40);
    CHECK_MSG(during.requests - before.requests == 1000, "requests grew by %llu",
              during.requests - before.requests);
    CHECK_MSG(during.used - before.used == 1000, "in-use grew by %llu", during.used - before.used);
    CHECK_MSG(during.blocks >= during.used, "class has %llu blocks but %llu in use", during.blocks,
              during.used);
    printf("ok: 1000 blocks of 40 bytes: requests and in-use of their class grew by 1000\n");
    for (int i = 0; i < 1000; i++) free(blocks[i]);
    hl_stats_read(&st);
    struct hl_stats_row after = *hl_stats_row_for(&st, 40);
    CHECK_MSG(after.frees - during.frees == 1000, "frees grew by %llu", after.frees - during.frees);
    CHECK_MSG(after.used == before.used, "in-use %llu, was %llu before", after.used, before.used);
    printf("ok: freed: frees grew by 1000, in-use back where it was\n");
    return 0;
}
