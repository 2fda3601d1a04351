//@ category: heap-report
//@ points: 1
//@ timeout: 10
//@ mode: static preload
//@ needs: heap-report
//! ok: blocks allocated
//! ok: the header line
//! ok: ??{[0-9]+}?? size-class rows, the first of class 0 and 16 bytes
//! ok: the total row
//! ok: the two summary lines
//! ok: malloc_stats printed its table

/* malloc_stats() prints, on standard error like glibc's, exactly the lines whose formats
 * alloc/alloc.h defines (ALLOC_STATS_*, docs/heap-report.md): the header, one row per size
 * class, the total row and two summary lines. Each line must read back with its format and print
 * again as the same text, so spacing counts as much as the numbers. */
#include "alloc.h"
#include "test_runtime.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The next line of text at *at, newline included, copied into line; false at the end. */
static bool next_line(char **at, char *line, size_t size) {
    if (**at == '\0') return false;
    char *nl = strchr(*at, '\n');
    size_t len = nl ? (size_t)(nl - *at) + 1 : strlen(*at);
    CHECK_MSG(len < size, "malloc_stats printed a line of %zu bytes", len);
    memcpy(line, *at, len);
    line[len] = '\0';
    *at += len;
    return true;
}

/* The line as printed against the same values printed again with its format; lines are shown
 * without their newline. */
static void expect_same(const char *line, const char *again, const char *what) {
    CHECK_MSG(strcmp(line, again) == 0, "malloc_stats %s '%.*s' differs from its format's '%.*s'",
              what, (int)strcspn(line, "\n"), line, (int)strcspn(again, "\n"), again);
}

int main(void) {
    void *p[100];
    for (int i = 0; i < 100; i++) p[i] = hl_malloc((size_t)(1 + i * 20), (uint64_t)i);
    printf("ok: blocks allocated\n");

    size_t len;
    char *text = hl_capture(STDERR_FILENO, malloc_stats, &len), *at = text;
    char line[512], again[512];
    CHECK_MSG(next_line(&at, line, sizeof line), "malloc_stats printed nothing");
    expect_same(line, ALLOC_STATS_HEADER, "header");
    printf("ok: the header line\n");

    unsigned cls, size, first_size = 0;
    unsigned long long n[5];
    int rows = 0;
    while (next_line(&at, line, sizeof line) &&
           sscanf(line, ALLOC_STATS_ROW, &cls, &size, &n[0], &n[1], &n[2], &n[3], &n[4]) == 7) {
        snprintf(again, sizeof again, ALLOC_STATS_ROW, cls, size, n[0], n[1], n[2], n[3], n[4]);
        expect_same(line, again, "row");
        CHECK_MSG(cls == (unsigned)rows, "malloc_stats row %d is of class %u", rows, cls);
        if (rows++ == 0) first_size = size;
    }
    printf("ok: %d size-class rows, the first of class 0 and %u bytes\n", rows, first_size);

    CHECK_MSG(sscanf(line, ALLOC_STATS_TOTAL, &n[0], &n[1], &n[2], &n[3], &n[4]) == 5,
              "malloc_stats: expected the total row after the size classes, got %s", line);
    snprintf(again, sizeof again, ALLOC_STATS_TOTAL, n[0], n[1], n[2], n[3], n[4]);
    expect_same(line, again, "total row");
    printf("ok: the total row\n");

    unsigned long long a, b;
    size_t c;
    CHECK_MSG(next_line(&at, line, sizeof line) && sscanf(line, ALLOC_STATS_SPANS, &a, &b, &c) == 3,
              "malloc_stats: expected the spans line after the total, got %s", line);
    snprintf(again, sizeof again, ALLOC_STATS_SPANS, a, b, c);
    expect_same(line, again, "spans line");
    CHECK_MSG(next_line(&at, line, sizeof line) && sscanf(line, ALLOC_STATS_HEAP, &a, &b, &c) == 3,
              "malloc_stats: expected the heap line last, got %s", line);
    snprintf(again, sizeof again, ALLOC_STATS_HEAP, a, b, c);
    expect_same(line, again, "heap line");
    CHECK_MSG(!next_line(&at, line, sizeof line), "malloc_stats printed more: %s", line);
    printf("ok: the two summary lines\n");
    hl_capture_free(text, len);

    for (int i = 0; i < 100; i++) hl_free(p[i], (size_t)(1 + i * 20), (uint64_t)i);
    printf("ok: malloc_stats printed its table\n");
    return 0;
}
