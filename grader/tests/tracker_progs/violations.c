/* violations.c - a few allocations held at once, for the tracker zoo's allocators to get wrong:
 * malloc(24), malloc(40), calloc(3, 8), a realloc of the second (after filling it), and
 * malloc_usable_size of the first. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char *a = malloc(24);
    char *b = malloc(40);
    char *c = calloc(3, 8);
    if (!b) return 1;
    memset(b, 'x', 40);
    b = realloc(b, 80);
    if (!a || !b || !c) return 1;
    if (malloc_usable_size(a) == 0) return 1;
    free(a);
    free(b);
    free(c);
    return write(1, "done\n", 5) == 5 ? 0 : 1;
}
