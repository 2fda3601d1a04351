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

__attribute__((unused)) static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK_MSG(fd >= 0, "cannot create %s in the working directory", path);
    size_t n = strlen(text);
    CHECK(write(fd, text, n) == (ssize_t)n);
    close(fd);
}

/* The first line of a file, for failure messages. */
static const char *first_line(const char *path) {
    static char buf[200];
    buf[0] = '\0';
    int fd = open(path, O_RDONLY);
    if (fd < 0) return "(no output)";
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return buf[0] ? buf : "(empty)";
}

/* Runs cmd (with %1$s for the run's name, used in its output file names) on libc's allocator,
 * then on the slot's; both must succeed, then every listed output must be identical. */
static void run_both(const char *prog, const char *cmd, const char *const *outputs) {
    char run[4096], err[64];
    snprintf(run, sizeof run, cmd, "libc");
    int libc = hl_system(run, false);
    snprintf(err, sizeof err, "%s.err.libc", prog);
    CHECK_MSG(libc == 0, "%s failed on libc's allocator (exit %d): %s", prog, libc,
              first_line(err));
    snprintf(run, sizeof run, cmd, "slot");
    int slot = hl_system(run, true);
    snprintf(err, sizeof err, "%s.err.slot", prog);
    CHECK_MSG(slot == libc, "%s exited with %d on the allocator, %d on libc's: %s", prog, slot,
              libc, first_line(err));
    printf("%s: exit 0 with both allocators\n", prog);
    for (int i = 0; outputs[i]; i++) {
        char a[128], b[128], cmp[300];
        snprintf(a, sizeof a, outputs[i], "libc");
        snprintf(b, sizeof b, outputs[i], "slot");
        snprintf(cmp, sizeof cmp, "cmp -s %s %s", a, b);
        CHECK_MSG(hl_system(cmp, false) == 0, "%s: %s and %s differ (first line: %s)", prog, a, b,
                  first_line(b));
    }
}

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
    run_both("sort",
             "export LC_ALL=C; { sort -S 2M -T . --parallel=2 sort.in && "
             "sort -t ' ' -k2,2n -k1,1 -k3,3n --parallel=2 sort.in && "
             "sort -u -k1,1 sort.in | wc -l; } > sort.out.%1$s 2> sort.err.%1$s",
             outputs);
    printf("sort: same output (200000 lines; by text, by number, unique)\n");
    return 0;
}
