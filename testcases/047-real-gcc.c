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
                             "    for (int i = 0; i < 10000; i++) { x = x * 6364136223846793005UL "
                             "+ 1442695040888963407UL;\n"
                             "        t = insert(t, (long)(x >> 40)); }\n"
                             "    printf(\"sum %ld\\n\", sum_tree(t));\n"
                             "    printf(\"primes below 1000000: %zu\\n\", sieve(1000000));\n"
                             "    return 0;\n"
                             "}\n";

int main(void) {
    hl_write_file("lib.h", header_h);
    hl_write_file("lib.c", lib_c);
    hl_write_file("main.c", main_c);
    static const char *const outputs[] = {"libc.o.%s", "main.o.%s", "gcc.out.%s", NULL};
    hl_run_both(
        "gcc",
        "{ gcc -O2 -Wall -c lib.c -o libc.o.%1$s && gcc -O2 -Wall -c main.c -o main.o.%1$s && "
        "gcc -o prog.%1$s main.o.%1$s libc.o.%1$s && ./prog.%1$s; } > gcc.out.%1$s 2> gcc.err.%1$s",
        outputs);
    printf("gcc: same object files, and the compiled program printed the same output\n");
    return 0;
}
