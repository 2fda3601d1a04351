//@ category: heap-report
//@ points: 2
//@ timeout: 10
//@ mode: static
//@ needs: heap-report
//! ok: with HEAPLAB_HEAP_DUMP set, alloc_check_heap printed a dump
//! ok: every line gives an address, a size and a state
//! ok: the 5000-byte block is in it, in use

/* HEAPLAB_HEAP_DUMP in the environment makes alloc_check_heap() (and the exit) print a heap
 * dump: "heap dump: begin", one line per block or span ("heap dump: ADDRESS SIZE STATE"),
 * "heap dump: end". The dump is captured from standard error and read back. */
#include "alloc.h"
#include "test_runtime.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ok;
static void check_heap(void) {
    ok = alloc_check_heap();
}

int main(void) {
    void *small = hl_malloc(24, 1);
    char *medium = hl_malloc(5000, 2);
    CHECK(setenv("HEAPLAB_HEAP_DUMP", "1", 1) == 0);
    size_t len;
    char *dump = hl_capture(STDERR_FILENO, check_heap, &len);
    CHECK(unsetenv("HEAPLAB_HEAP_DUMP") == 0);
    CHECK(ok);
    CHECK_MSG(len > 0, "nothing printed");
    CHECK_MSG(strncmp(dump, "heap dump: begin\n", 17) == 0, "first line: %.60s", dump);
    CHECK_MSG(strstr(dump, "heap dump: end\n") != NULL, "no end line");
    printf("ok: with HEAPLAB_HEAP_DUMP set, alloc_check_heap printed a dump\n");
    int found = 0, lines = 0;
    for (char *line = strtok(dump, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        lines++;
        void *addr;
        size_t size;
        char state[64];
        if (strcmp(line, "heap dump: begin") == 0 || strcmp(line, "heap dump: end") == 0 ||
            strncmp(line, "heap dump: segment ", 19) == 0)
            continue;
        CHECK_MSG(sscanf(line, "heap dump: %p %zu %63s", &addr, &size, state) == 3, "line %d: %s",
                  lines, line);
        if (addr == (void *)medium) {
            CHECK_MSG(strcmp(state, "in-use") == 0 && size >= 5000, "the block: %s", line);
            found = 1;
        }
    }
    printf("ok: every line gives an address, a size and a state\n");
    CHECK_MSG(found, "the 5000-byte block at %p is not in the dump", (void *)medium);
    printf("ok: the 5000-byte block is in it, in use\n");
    hl_capture_free(dump, len);
    hl_free(small, 24, 1);
    hl_free(medium, 5000, 2);
    return 0;
}
