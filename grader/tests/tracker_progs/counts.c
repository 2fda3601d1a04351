/* counts.c - one call of each allocation function, every block freed, nothing printed through
 * stdio (whose buffer would be one more malloc): the tracker's counts are known exactly.
 *   calls: malloc 1, calloc 1, realloc 1, posix_memalign 1, aligned_alloc 1, memalign 1,
 *          valloc 1, pvalloc 1, malloc_usable_size 1, free 8 (one of NULL)
 *   bytes requested: 100 + 200 + 300 + 128 + 256 + 50 + 10 + 10 = 1054
 *   peak live bytes: 100 + 300 + 128 + 256 + 50 + 10 + 10 = 854
 * An argument N makes it exit with status N. */
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    void *a = malloc(100);
    void *b = calloc(10, 20);
    b = realloc(b, 300);
    void *c = NULL;
    if (posix_memalign(&c, 64, 128) != 0) return 2;
    void *d = aligned_alloc(64, 256);
    void *e = memalign(32, 50);
    void *f = valloc(10);
    void *g = pvalloc(10);
    if (malloc_usable_size(a) < 100) return 3;
    void *blocks[] = {a, b, c, d, e, f, g, NULL};
    for (int i = 0; i < 8; i++) free(blocks[i]);
    return argc > 1 ? atoi(argv[1]) : 0;
}
