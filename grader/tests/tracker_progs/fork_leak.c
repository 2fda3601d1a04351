/* fork_leak.c - the parent leaks 111 bytes and forks; the child leaks 222 more and exits. The
 * child inherits the parent's block, so it ends with two leaked blocks (333 bytes), the parent
 * with one (111 bytes). */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void *kept[2];

int main(void) {
    kept[0] = malloc(111);
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
        kept[1] = malloc(222);
        exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || status != 0) return 1;
    return 0;
}
