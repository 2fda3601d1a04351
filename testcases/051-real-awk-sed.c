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

int main(void) {
    static const char *const outputs[] = {"awk+sed.out.%s", NULL};
    hl_run_both("awk+sed",
                "export LC_ALL=C; { seq 1 100000 | "
                "awk '{ k = \"k\" ($1 * 7919 %% 5003); s[k] = s[k] \",\" $1; n[k]++ } "
                "END { for (k in s) print k, n[k], length(s[k]), substr(s[k], 1, 30) }' | "
                "sed -E 's/^k([0-9]+) /key<\\1> /; s/,([0-9]+),([0-9]+)/[\\2|\\1]/g; /<1[0-9]*>/ "
                "{ h; s/.*/&&/; }' | sort; } > awk+sed.out.%1$s 2> awk+sed.err.%1$s",
                outputs);
    printf("awk+sed: same output (associative arrays over 100000 lines, regex rewriting)\n");
    return 0;
}
