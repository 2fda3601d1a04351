/* leaks.c - leaks three blocks from two allocation sites: two blocks of 100 bytes from one line
 * (leak_two), one of 1000 bytes from another (main). One more block is freed. */
#include <stdlib.h>
#include <unistd.h>

static void *kept[3];

__attribute__((noinline)) static void leak_two(void) {
    for (int i = 0; i < 2; i++) kept[i] = malloc(100); /* site A */
}

int main(void) {
    leak_two();
    kept[2] = malloc(1000); /* site B */
    free(malloc(50));
    return write(1, "leaked\n", 7) == 7 ? 0 : 1;
}
