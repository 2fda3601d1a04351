/* Cheat: kill the grader. A request that cannot be met signals the parent, the process group and
 * every process it may signal, then fails as it should: if the box holds, the test is graded on
 * its merits and passes; the run must survive either way. */
#define ZOO_OWN_MALLOC
#include "../zoo/zoo.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

void *malloc(size_t size) {
    if (size > PTRDIFF_MAX) {
        kill(getppid(), SIGKILL);
        kill(-getpgrp(), SIGCONT);
        kill(-1, SIGKILL);
        errno = ENOMEM;
        return NULL;
    }
    return ref_malloc(size);
}
