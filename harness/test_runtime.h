/* test_runtime.h - what every heaplab test program links with.
 *
 * A test program prints what it observed and checks what it must; the grader compares the
 * output with the test's `//!` lines and its exit status with `//@ exit`. On a failed check
 * the runtime prints one line, `FAIL: FILE:LINE: what`, and exits with status 1, so the
 * grader shows the reason next to the expected output.
 *
 * Linking this runtime also makes standard output line-buffered before main() runs, so a
 * line printed before an abort or a crash is never lost in a stdio buffer.
 *
 * The runtime never calls the allocator under test for its own bookkeeping: the live set is
 * kept in memory it maps itself, so a broken allocator cannot corrupt the referee.
 *
 * Under the runner (HEAPLAB_NOTES_FD set), a crash is also recorded for the grader, apart from
 * the output: the signal, whether the stack overflowed, and the crashed thread's frames, after
 * which the test dies of the same signal. hl_run_both records each run it starts and ends.
 */
#ifndef HEAPLAB_TEST_RUNTIME_H
#define HEAPLAB_TEST_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Checks: print `FAIL: FILE:LINE: ...` and exit(1) when the condition is false. */
#define CHECK(cond)          ((cond) ? (void)0 : hl_fail(__FILE__, __LINE__, "%s", #cond))
#define CHECK_MSG(cond, ...) ((cond) ? (void)0 : hl_fail(__FILE__, __LINE__, __VA_ARGS__))

_Noreturn void hl_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The payload alignment the course requires of malloc, calloc and realloc: HEAPLAB_ALIGN from
 * the environment (the grader's --align, `make test ALIGN=8`), else 16, alignof(max_align_t) on
 * x86-64. Only the alignment tests hold the allocator to it, so that an allocator with 8-byte
 * payloads loses those and is graded on everything else. */
size_t hl_align(void);

/* An alignment test's check that p, returned by the call `fmt` names, is aligned to hl_align().
 * Its failure line has a fixed form that the grader reads to name the shortfall once, at the top
 * of its report: `FAIL: FILE:LINE: alignment: CALL = P is N-byte aligned; the course requires M`. */
#define CHECK_ALIGNED(p, ...) hl_check_aligned(__FILE__, __LINE__, (p), __VA_ARGS__)
void hl_check_aligned(const char *file, int line, const void *p, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Payload patterns: hl_fill writes a pattern that depends on the address' offset and on the
 * seed; hl_verify returns true when all n bytes still hold it. Distinct seeds give distinct
 * patterns, so two blocks that overlap or a realloc that copied the wrong bytes both show. */
void hl_fill(void *p, size_t n, uint64_t seed);
bool hl_verify(const void *p, size_t n, uint64_t seed);
/* Offset of the first byte that differs from the pattern, or n when all match. */
size_t hl_first_mismatch(const void *p, size_t n, uint64_t seed);

/* The live set: blocks the test holds. hl_live_add fails the test when p is NULL, is not aligned
 * to `align` or overlaps a live block; hl_live_remove fails it when p is not live. `align` is
 * what the test asked for (posix_memalign's alignment), 1 when it asked for none: the course's
 * alignment is checked by the alignment tests alone. Thread-safe. */
void hl_live_add(void *p, size_t n, size_t align);
void hl_live_remove(void *p);
size_t hl_live_count(void);
size_t hl_live_bytes(void);

/* Checked allocation: malloc(n), then live-set checks, then fill with the seed's pattern.
 * hl_free verifies the pattern is intact, removes the block from the live set, frees it. */
void *hl_malloc(size_t n, uint64_t seed);
void hl_free(void *p, size_t n, uint64_t seed);

/* The process' footprint as the kernel sees it: bytes of data segment plus private
 * anonymous mappings (VmData), and the resident set (VmRSS). */
size_t hl_footprint(void);
size_t hl_rss(void);

/* Fails the test, naming `what`, the size and the first nonzero byte, unless all n bytes at p
 * are zero. */
void hl_check_zero(const void *p, size_t n, const char *what);

/* Memory-error tests (the dmalloc assignment): prints what the next line does, the pointer, and
 * that line's number, which the expected error message must repeat. */
#define HL_SAY(what, p) printf("%s %p at line %d\n", what, (void *)(p), __LINE__ + 1)

/* A small deterministic random number generator (splitmix64), one state per caller. */
uint64_t hl_rand(uint64_t *state);

/* Run `/bin/sh -c cmd` in the test's working directory and return its exit status (or 128 +
 * signal). With the allocator (`with_slot` true) the child keeps LD_PRELOAD; without it the
 * child runs on libc's allocator, the baseline to compare with. */
int hl_system(const char *cmd, bool with_slot);

/* Real programs: write `text` to `path` in the working directory (the test fails if it cannot). */
void hl_write_file(const char *path, const char *text);

/* Run `cmd` once on libc's allocator and once on the slot's. `cmd` is a printf format in which
 * %1$s names the run ("libc" or "slot") and must send standard error to PROG.err.%1$s; each
 * entry of the NULL-terminated `outputs` is a file name format the same way. Both runs must
 * exit 0 and every output must be identical, else the test fails naming the first difference.
 * On the slot's run only the programs PROG names (`git`, or `awk+sed` for two) are preloaded with
 * the allocator, called by name from the command: the shell and other tools keep libc's.
 * Prints `PROG: exit 0 with both allocators` after the runs. */
void hl_run_both(const char *prog, const char *cmd, const char *const *outputs);

/* Leak reports (the dmalloc assignment): a block the test allocated, and whether it leaks. */
struct hl_block {
    void *p;
    size_t n;
    int line;
    bool leaked;
    bool seen; /* set by hl_check_leak_report */
};

/* Capture what `print` (dmalloc_print_leak_report) writes to standard output and check it:
 * exactly one `LEAK CHECK: FILE:LINE: allocated object PTR with size N` line for each leaked
 * block of `blocks` (which this sorts by address), with its size and line and `file`, and
 * nothing else. Fails the test on the first wrong line; returns the number of lines. */
size_t hl_check_leak_report(void (*print)(void), const char *file, struct hl_block *blocks,
                            size_t n);

/* What `print` writes to file descriptor fd (standard output or error), NUL-terminated in
 * writable memory that hl_capture_free gives back; *len is its length. */
char *hl_capture(int fd, void (*print)(void), size_t *len);
void hl_capture_free(char *text, size_t len);

/* Heap reports (`//@ needs: heap-report`): one row of malloc_stats() (ALLOC_STATS_ROW in
 * alloc/alloc.h), or its total row (ALLOC_STATS_TOTAL; class and size 0). */
struct hl_stats_row {
    unsigned cls, size;
    unsigned long long blocks, used, free, requests, frees;
};

#define HL_STATS_ROWS 256
struct hl_stats {
    int nrows;
    struct hl_stats_row rows[HL_STATS_ROWS], total;
};

/* Runs malloc_stats() and parses its report; fails the test without size-class rows or total. */
void hl_stats_read(struct hl_stats *st);

/* The row of the size class that serves n bytes: the first class of at least n bytes. */
struct hl_stats_row *hl_stats_row_for(struct hl_stats *st, size_t n);

#endif
