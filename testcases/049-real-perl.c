//@ category: real-programs
//@ points: 2
//@ timeout: 60
//@ mode: preload
//! perl: exit 0 with both allocators
//! perl: same output (hashes, sorting, regular expressions, string building)

/* perl uses the system allocator for everything on Debian (its own malloc is not built in):
 * hashes of 5000 keys, arrays sorted with a comparison function, strings grown one
 * concatenation at a time, regular-expression substitutions that reallocate their result,
 * and the whole heap freed at exit. The output, including an MD5 of the data built, must be
 * identical on both allocators. */
#include "test_runtime.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char script[] =
    "use strict; use warnings; use Digest::MD5 qw(md5_hex);\n"
    "my %h; my $x = 7;\n"
    "for my $i (1 .. 5000) { $x = ($x * 1103515245 + 12345) % 2147483648;\n"
    "    $h{\"key$x\"} = [$i, 'v' x ($i % 50)]; }\n"
    "my @keys = sort { $h{$a}[0] <=> $h{$b}[0] } keys %h;\n"
    "my $s = '';\n"
    "for my $k (@keys[0 .. 1499]) { $s .= \"$k=\" . length($h{$k}[1]) . ';'; }\n"
    "(my $t = $s) =~ s/key(\\d+)/K<$1>/g;\n"
    "my @words = split /;/, $t;\n"
    "delete @h{@keys[0 .. 2499]};\n"
    "my %count; $count{length $_}++ for @words;\n"
    "print scalar(keys %h), ' ', scalar(@words), ' ', length($t), \"\\n\";\n"
    "print \"$_ $count{$_}\\n\" for sort { $a <=> $b } keys %count;\n"
    "print md5_hex($s), ' ', md5_hex($t), \"\\n\";\n";

int main(void) {
    hl_write_file("work.pl", script);
    static const char *const outputs[] = {"perl.out.%s", NULL};
    hl_run_both("perl", "perl work.pl > perl.out.%1$s 2> perl.err.%1$s", outputs);
    printf("perl: same output (hashes, sorting, regular expressions, string building)\n");
    return 0;
}
