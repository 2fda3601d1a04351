/* records.h - reading the tracker's records (JSON lines, docs/tracker.md) back, per process.
 *
 * The tracker writes a fixed shape; this reads that shape, not JSON at large: each line one
 * object whose "kind" is violation, leak or summary, keys unique within it.
 */
#ifndef HEAPLAB_RECORDS_H
#define HEAPLAB_RECORDS_H

#include <stddef.h>
#include <stdint.h>

enum { RD_FUNCTIONS = 10, RD_MAX_FRAMES = 32 };
extern const char *const rd_function_names[RD_FUNCTIONS];

typedef struct {
    char *module;
    char *symbol;    /* the dynamic symbol dladdr found, or "" */
    uint64_t offset; /* what addr2line takes for the module */
} rd_frame;

typedef struct {
    uint64_t blocks, bytes;
    int depth;
    rd_frame frames[RD_MAX_FRAMES];
} rd_leak;

typedef struct {
    long pid, ppid;
    int has_summary; /* a process that ended by _exit, exec or a signal writes none */
    char exe[1024], allocator[1024];
    uint64_t calls[RD_FUNCTIONS];
    uint64_t bytes_requested, failed, free_unknown, live_blocks, live_bytes;
    uint64_t peak_live_blocks, peak_live_bytes, footprint, peak_footprint, violations;
    rd_leak *leaks;
    size_t leak_count;
    char **messages; /* the violations' messages */
    size_t message_count;
} rd_process;

typedef struct {
    rd_process *procs; /* in the order their first record appears */
    size_t count;
} rd_records;

/* Reads the file; returns 0, or -1 when it cannot be read. */
int rd_load(const char *path, rd_records *out);
void rd_free(rd_records *r);

#endif
