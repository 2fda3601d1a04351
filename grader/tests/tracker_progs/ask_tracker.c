/* ask_tracker.c - asks the tracker preloaded into it (harness/tracker.h) for its counts in the
 * middle of a run: after malloc(100), malloc(200) and one free, two calls of malloc and one of
 * free, 300 bytes requested, one block of 200 bytes live. Prints the allocator it names, or
 * "no tracker". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../../harness/tracker.h"

int main(void) {
    void (*counts_now)(heaplab_tracker_counts *) =
        (void (*)(heaplab_tracker_counts *))dlsym(RTLD_DEFAULT, "heaplab_tracker_counts_now");
    const char *(*allocator)(void) =
        (const char *(*)(void))dlsym(RTLD_DEFAULT, "heaplab_tracker_allocator");
    if (!counts_now || !allocator) return puts("no tracker") == EOF;
    void *a = malloc(100), *b = malloc(200);
    free(a);
    heaplab_tracker_counts c;
    counts_now(&c);
    printf("%s: malloc %llu free %llu requested %llu live %llu/%llu\n", allocator(),
           (unsigned long long)c.calls[0], (unsigned long long)c.calls[1],
           (unsigned long long)c.bytes_requested, (unsigned long long)c.live_blocks,
           (unsigned long long)c.live_bytes);
    free(b);
    return 0;
}
