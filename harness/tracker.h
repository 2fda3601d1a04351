/* tracker.h - what a program running under the tracker (docs/tracker.md) may ask it.
 *
 * A test program is built without the tracker and runs with or without it, so it finds these
 * functions at run time: dlsym(RTLD_DEFAULT, "heaplab_tracker_counts") is NULL when the tracker
 * is not preloaded. Under it, the program's `malloc` is the tracker's, and the allocator under
 * test is the one heaplab_tracker_allocator names (what a check that malloc is the slot's must
 * compare against).
 */
#ifndef HEAPLAB_TRACKER_H
#define HEAPLAB_TRACKER_H

#include <stdint.h>

/* The calls by function, in this order: malloc, free, calloc, realloc, posix_memalign,
   aligned_alloc, memalign, valloc, pvalloc, malloc_usable_size. */
enum { HEAPLAB_TRACKER_FUNCTIONS = 10 };

typedef struct heaplab_tracker_counts {
    uint64_t calls[HEAPLAB_TRACKER_FUNCTIONS];
    uint64_t bytes_requested, failed, free_unknown;
    uint64_t live_blocks, live_bytes, peak_live_blocks, peak_live_bytes;
    uint64_t footprint, peak_footprint, violations;
} heaplab_tracker_counts;

/* The counts so far in this process, as the summary record at exit will give them. */
void heaplab_tracker_counts_now(heaplab_tracker_counts *out);
/* "libc", or the path of the shared object whose malloc the tracker forwards to. */
const char *heaplab_tracker_allocator(void);

#endif
