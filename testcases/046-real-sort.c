//@ category: real-programs
//@ points: 2
//@ timeout: 60
//@ mode: preload
//! sort: exit 0 with both allocators
//! sort: same output (200000 lines; by text, by number, unique)

/* GNU sort reads its whole input into large buffers, sorts with two threads (--parallel=2,
 * each allocating on its own), spills to temporary files when the buffer (-S 2M) is full and
 * merges them: big blocks grown by realloc, many medium ones, and frees from other threads.
 * A 200000-line file is sorted three ways on libc's allocator and on the slot's; the outputs
 * must be identical. */
#include "test_runtime.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char line[64];

int main(void) {
    int fd = open("sort.in", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    uint64_t rng = 46;
    static char buf[1 << 16];
    size_t used = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = hl_rand(&rng);
        int n = snprintf(line, sizeof line, "w%llx %llu %d\n", (unsigned long long)(r >> 40),
                         (unsigned long long)(r % 100000), i);
        if (used + (size_t)n > sizeof buf) {
            CHECK(write(fd, buf, used) == (ssize_t)used);
            used = 0;
        }
        memcpy(buf + used, line, (size_t)n);
        used += (size_t)n;
    }
    CHECK(write(fd, buf, used) == (ssize_t)used);
    close(fd);
    static const char *const outputs[] = {"sort.out.%s", NULL};
    hl_run_both("sort",
                "export LC_ALL=C.UTF-8; { sort -S 2M -T . --parallel=2 sort.in && "
                "sort -t ' ' -k2,2n -k1,1 -k3,3n --parallel=2 sort.in && "
                "sort -u -k1,1 sort.in | wc -l; } > sort.out.%1$s 2> sort.err.%1$s",
                outputs);
    printf("sort: same output (200000 lines; by text, by number, unique)\n");
    return 0;
}
