/* footprint.c - three blocks live at once, 100, 5000 and 10000 bytes, then freed: peak live
 * bytes 15100. On tracker_zoo/mmap_each.c each is one mapping of its size plus a 16-byte header
 * in whole pages, so the peak footprint is 4096 + 8192 + 12288 = 24576 bytes. */
#include <stdlib.h>

int main(void) {
    void *a = malloc(100), *b = malloc(5000), *c = malloc(10000);
    if (!a || !b || !c) return 1;
    free(a);
    free(b);
    free(c);
    return 0;
}
