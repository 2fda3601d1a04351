/* symbolize.c - code addresses to `function file:line` (see symbolize.h). */
#include "symbolize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { BATCH = 256 };

int sym_add(symbolizer *s, const char *module, uint64_t offset) {
    if (s->count == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        sym_entry *grown = realloc(s->entries, cap * sizeof *grown);
        if (!grown) return -1;
        s->entries = grown;
        s->cap = cap;
    }
    s->entries[s->count++] = (sym_entry){.module = module, .offset = offset};
    s->sorted = 0;
    return 0;
}

static int compare(const void *a, const void *b) {
    const sym_entry *x = a, *y = b;
    int c = strcmp(x->module, y->module);
    return c ? c : (x->offset > y->offset) - (x->offset < y->offset);
}

/* Runs addr2line on n entries of one module and reads its two lines per address: the function
   and file:line. A return address points after its call, so the call's line is at offset-1. */
static void resolve_batch(sym_entry *e, size_t n) {
    char *argv[BATCH + 8];
    char numbers[BATCH][24];
    int argc = 0;
    argv[argc++] = "addr2line";
    argv[argc++] = "-f";
    argv[argc++] = "-C";
    argv[argc++] = "-e";
    argv[argc++] = (char *)e[0].module;
    for (size_t i = 0; i < n; i++) {
        snprintf(numbers[i], sizeof numbers[i], "0x%llx",
                 (unsigned long long)(e[i].offset ? e[i].offset - 1 : 0));
        argv[argc++] = numbers[i];
    }
    argv[argc] = NULL;
    int fds[2];
    if (pipe(fds) < 0) return;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execvp("addr2line", argv);
        _exit(127);
    }
    close(fds[1]);
    FILE *out = fdopen(fds[0], "r");
    char *line = NULL;
    size_t cap = 0;
    for (size_t i = 0; out && i < n; i++) {
        if (getline(&line, &cap, out) <= 0) break;
        line[strcspn(line, "\n")] = 0;
        char *function = strcmp(line, "??") ? strdup(line) : NULL;
        if (getline(&line, &cap, out) <= 0) {
            free(function);
            break;
        }
        line[strcspn(line, "\n")] = 0;
        char *extra = strstr(line, " (discriminator");
        if (extra) *extra = 0;
        e[i].function = function;
        e[i].location = strncmp(line, "??", 2) ? strdup(line) : NULL;
    }
    free(line);
    if (out)
        fclose(out);
    else
        close(fds[0]);
    waitpid(pid, NULL, 0);
}

void sym_resolve(symbolizer *s) {
    qsort(s->entries, s->count, sizeof *s->entries, compare);
    size_t kept = 0;
    for (size_t i = 0; i < s->count; i++)
        if (kept == 0 || compare(&s->entries[kept - 1], &s->entries[i]) != 0)
            s->entries[kept++] = s->entries[i];
    s->count = kept;
    s->sorted = 1;
    for (size_t i = 0; i < s->count;) {
        size_t n = 1;
        while (i + n < s->count && n < BATCH &&
               strcmp(s->entries[i + n].module, s->entries[i].module) == 0)
            n++;
        if (s->entries[i].module[0]) resolve_batch(&s->entries[i], n);
        i += n;
    }
}

const sym_entry *sym_find(const symbolizer *s, const char *module, uint64_t offset) {
    if (!s->sorted) return NULL;
    sym_entry key = {.module = module, .offset = offset};
    return bsearch(&key, s->entries, s->count, sizeof key, compare);
}

void sym_free(symbolizer *s) {
    for (size_t i = 0; i < s->count; i++) {
        free(s->entries[i].function);
        free(s->entries[i].location);
    }
    free(s->entries);
    memset(s, 0, sizeof *s);
}
