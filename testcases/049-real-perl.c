//@ category: real-programs
//@ points: 2
//@ timeout: 60
//@ mode: preload
//! perl: exit 0 with both allocators
//! perl: same output (hashes, sorting, regular expressions, string building)

/* perl uses the system allocator for everything on Debian (its own malloc is not built in):
 * hashes of 100000 keys, arrays sorted with a comparison function, strings grown one
 * concatenation at a time, regular-expression substitutions that reallocate their result,
 * and the whole heap freed at exit. The output, including an MD5 of the data built, must be
 * identical on both allocators. */
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

static const char script[] =
    "use strict; use warnings; use Digest::MD5 qw(md5_hex);\n"
    "my %h; my $x = 7;\n"
    "for my $i (1 .. 100000) { $x = ($x * 1103515245 + 12345) % 2147483648;\n"
    "    $h{\"key$x\"} = [$i, 'v' x ($i % 50)]; }\n"
    "my @keys = sort { $h{$a}[0] <=> $h{$b}[0] } keys %h;\n"
    "my $s = '';\n"
    "for my $k (@keys[0 .. 29999]) { $s .= \"$k=\" . length($h{$k}[1]) . ';'; }\n"
    "(my $t = $s) =~ s/key(\\d+)/K<$1>/g;\n"
    "my @words = split /;/, $t;\n"
    "delete @h{@keys[0 .. 49999]};\n"
    "my %count; $count{length $_}++ for @words;\n"
    "print scalar(keys %h), ' ', scalar(@words), ' ', length($t), \"\\n\";\n"
    "print \"$_ $count{$_}\\n\" for sort { $a <=> $b } keys %count;\n"
    "print md5_hex($s), ' ', md5_hex($t), \"\\n\";\n";

int main(void) {
    write_file("work.pl", script);
    static const char *const outputs[] = {"perl.out.%s", NULL};
    run_both("perl", "perl work.pl > perl.out.%1$s 2> perl.err.%1$s", outputs);
    printf("perl: same output (hashes, sorting, regular expressions, string building)\n");
    return 0;
}
