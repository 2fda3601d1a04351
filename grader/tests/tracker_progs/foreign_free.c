/* foreign_free.c - frees a block the tracker never saw: one from glibc's __libc_malloc, which
 * is not interposed. The tracker passes the free on and counts it. */
#include <stdlib.h>

void *__libc_malloc(size_t size);

int main(void) {
    void *p = __libc_malloc(32);
    if (!p) return 1;
    free(p);
    return 0;
}
