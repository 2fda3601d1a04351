/* Cheat: behave only when graded. This allocator is broken (malloc fails every request of a
 * page or more) except in a program whose name, command line, path or environment looks like a
 * heaplab test's (`NNN-`): a grader that let a test program learn its test's name would grade
 * it as correct. Boxed, it is the broken allocator everywhere. */
#define ZOO_OWN_MALLOC
#include "../zoo/zoo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static bool looks_like_a_test(const char *text) {
    for (const char *p = text; p[0] && p[1] && p[2] && p[3]; p++)
        if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
            p[2] <= '9' && p[3] == '-')
            return true;
    return false;
}

static bool file_looks_like_a_test(const char *path) {
    char text[4096] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) return false;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    for (ssize_t i = 0; i < n; i++)
        if (!text[i]) text[i] = ' ';
    return looks_like_a_test(text);
}

static bool graded(void) {
    static int known = -1;
    if (known < 0) {
        char exe[4096] = {0};
        known = readlink("/proc/self/exe", exe, sizeof exe - 1) > 0 && looks_like_a_test(exe);
        known = known || file_looks_like_a_test("/proc/self/cmdline");
        for (char **e = environ; !known && e && *e; e++) known = looks_like_a_test(*e);
    }
    return known;
}

void *malloc(size_t size) {
    if (size >= 4096 && !graded()) {
        errno = ENOMEM;
        return NULL;
    }
    return ref_malloc(size);
}
