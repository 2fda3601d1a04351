/* forward_libc.c - a submission that hands out libc's memory: every call goes to glibc's
 * __libc_* entry points. It passes any test that only looks at what malloc returns; the tracker
 * names it: its blocks lie in memory it never obtained (libc's heap).
 */
#include <stddef.h>

void *__libc_malloc(size_t size);
void __libc_free(void *p);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *p, size_t size);
void *__libc_memalign(size_t align, size_t size);

void *malloc(size_t size) {
    return __libc_malloc(size);
}

void free(void *p) {
    __libc_free(p);
}

void *calloc(size_t count, size_t size) {
    return __libc_calloc(count, size);
}

void *realloc(void *p, size_t size) {
    return __libc_realloc(p, size);
}

void *memalign(size_t align, size_t size) {
    return __libc_memalign(align, size);
}
