//@ category: real-programs
//@ points: 1
//@ timeout: 60
//@ mode: preload
//! awk+sed: exit 0 with both allocators
//! awk+sed: same output (associative arrays over 100000 lines, regex rewriting)

/* awk (mawk on Debian) keeps its associative arrays, split fields and concatenated strings
 * on the heap; sed builds each pattern and hold space with realloc. A pipeline aggregates
 * 100000 generated lines by key in awk, rewrites them with sed regular expressions and
 * sorts the result. The outputs must be identical on both allocators. */
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

int main(void) {
    static const char *const outputs[] = {"awk+sed.out.%s", NULL};
    run_both("awk+sed",
             "export LC_ALL=C; { seq 1 100000 | "
             "awk '{ k = \"k\" ($1 * 7919 %% 5003); s[k] = s[k] \",\" $1; n[k]++ } "
             "END { for (k in s) print k, n[k], length(s[k]), substr(s[k], 1, 30) }' | "
             "sed -E 's/^k([0-9]+) /key<\\1> /; s/,([0-9]+),([0-9]+)/[\\2|\\1]/g; /<1[0-9]*>/ "
             "{ h; s/.*/&&/; }' | sort; } > awk+sed.out.%1$s 2> awk+sed.err.%1$s",
             outputs);
    printf("awk+sed: same output (associative arrays over 100000 lines, regex rewriting)\n");
    return 0;
}
