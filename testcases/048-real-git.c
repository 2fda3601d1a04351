//@ category: real-programs
//@ points: 2
//@ timeout: 60
//@ mode: preload
//! git: exit 0 with both allocators
//! git: same commits, log, diff and pack verification

/* git init, add, commit (three commits over 120 files), log with patches, repack and fsck:
 * git allocates object buffers, hash maps, strbufs grown by realloc and, in pack-objects,
 * works with several threads. Author, committer and dates are fixed, so the commit hashes
 * and every output are deterministic and must be identical on both allocators. */
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
    static const char *const outputs[] = {"git.out.%s", NULL};
    run_both("git",
             "export HOME=$PWD GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Heap GIT_AUTHOR_EMAIL=h@lab "
             "GIT_COMMITTER_NAME=Heap GIT_COMMITTER_EMAIL=h@lab "
             "GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'; "
             "{ rm -rf repo.%1$s && git init -q -b main repo.%1$s && cd repo.%1$s && "
             "for i in $(seq 1 120); do seq $i $((i * 7)) > f$i.txt; done && "
             "git add . && git commit -q -m first && "
             "for i in $(seq 1 120 | sed -n '1~3p'); do echo change $i >> f$i.txt; done && "
             "git rm -q f2.txt f5.txt && git commit -q -am second && "
             "git mv f1.txt one.txt && git commit -q -m third && "
             "git log --stat -p && git rev-parse HEAD && git repack -adq && "
             "git fsck --full --strict 2>&1 && git count-objects -v | grep -v size; "
             "} > git.out.%1$s 2> git.err.%1$s",
             outputs);
    printf("git: same commits, log, diff and pack verification\n");
    return 0;
}
