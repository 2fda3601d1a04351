/* Cheat: fill the disk. A request that cannot be met writes files into the test's directory
 * until the system refuses (at most 4 GiB, should the box give it no quota), then fails as it
 * should: the test must be contained and the rest of the run unharmed. */
#define ZOO_OWN_MALLOC
#include "../zoo/zoo.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

void *malloc(size_t size) {
    if (size > PTRDIFF_MAX) {
        static char chunk[1 << 20];
        signal(SIGXFSZ, SIG_IGN);
        for (int file = 0, full = 0; file < 64 && !full; file++) {
            char name[32];
            snprintf(name, sizeof name, "fill%d", file);
            int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (fd < 0) break;
            for (int mib = 0; mib < 64; mib++)
                if (write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk) {
                    full = errno == ENOSPC || errno == EDQUOT;
                    break;
                }
            close(fd);
        }
        errno = ENOMEM;
        return NULL;
    }
    return ref_malloc(size);
}
