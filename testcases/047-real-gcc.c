//@ category: real-programs
//@ points: 3
//@ timeout: 60
//@ mode: preload
//! gcc: exit 0 with both allocators
//! gcc: same object files, and the compiled program printed the same output

/* The compiler driver, cc1 (whose garbage collector and obstacks make huge numbers of
 * allocations of every size), the assembler and the linker all run on the allocator: gcc
 * compiles a program of two files at -O2 and runs it. Object files are deterministic, so the
 * ones made on the slot's allocator must be byte-for-byte those made on libc's, and the
 * program's output must match. */
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

static const char header_h[] = "#ifndef LIB_H\n#define LIB_H\n#include <stddef.h>\n"
                               "struct node { struct node *left, *right; long key; };\n"
                               "struct node *insert(struct node *t, long key);\n"
                               "long sum_tree(const struct node *t);\n"
                               "size_t sieve(unsigned n);\n"
                               "#endif\n";

static const char lib_c[] =
    "#include \"lib.h\"\n#include <stdlib.h>\n#include <string.h>\n"
    "struct node *insert(struct node *t, long key) {\n"
    "    if (!t) { t = calloc(1, sizeof *t); t->key = key; return t; }\n"
    "    if (key < t->key) t->left = insert(t->left, key);\n"
    "    else t->right = insert(t->right, key);\n"
    "    return t;\n"
    "}\n"
    "long sum_tree(const struct node *t) {\n"
    "    return t ? t->key + sum_tree(t->left) + sum_tree(t->right) : 0;\n"
    "}\n"
    "size_t sieve(unsigned n) {\n"
    "    char *c = malloc(n + 1); size_t count = 0;\n"
    "    memset(c, 1, n + 1);\n"
    "    for (unsigned i = 2; i <= n; i++) if (c[i]) { count++;\n"
    "        for (unsigned long j = (unsigned long)i * i; j <= n; j += i) c[j] = 0; }\n"
    "    free(c); return count;\n"
    "}\n";

static const char main_c[] = "#include \"lib.h\"\n#include <stdio.h>\n#include <stdlib.h>\n"
                             "int main(void) {\n"
                             "    struct node *t = NULL; unsigned long x = 12345;\n"
                             "    for (int i = 0; i < 100000; i++) { x = x * 6364136223846793005UL "
                             "+ 1442695040888963407UL;\n"
                             "        t = insert(t, (long)(x >> 40)); }\n"
                             "    printf(\"sum %ld\\n\", sum_tree(t));\n"
                             "    printf(\"primes below 1000000: %zu\\n\", sieve(1000000));\n"
                             "    return 0;\n"
                             "}\n";

int main(void) {
    write_file("lib.h", header_h);
    write_file("lib.c", lib_c);
    write_file("main.c", main_c);
    static const char *const outputs[] = {"libc.o.%s", "main.o.%s", "gcc.out.%s", NULL};
    run_both(
        "gcc",
        "{ gcc -O2 -Wall -c lib.c -o libc.o.%1$s && gcc -O2 -Wall -c main.c -o main.o.%1$s && "
        "gcc -o prog.%1$s main.o.%1$s libc.o.%1$s && ./prog.%1$s; } > gcc.out.%1$s 2> gcc.err.%1$s",
        outputs);
    printf("gcc: same object files, and the compiled program printed the same output\n");
    return 0;
}
