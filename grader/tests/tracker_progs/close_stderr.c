/* close_stderr.c - closes standard error and opens the file named by its argument, which takes
 * descriptor 2, writes one line to it, and leaks a 77-byte block. Nothing but that line may end
 * up in the file. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static void *kept;

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    close(2);
    if (open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644) != 2) return 1;
    kept = malloc(77);
    return write(2, "data\n", 5) == 5 ? 0 : 1;
}
