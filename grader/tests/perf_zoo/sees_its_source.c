/* A probe of the box for the trace driver: its first malloc in each process tries to open the
 * file it was compiled from (__FILE__: an absolute path when the compiler was given one) and,
 * when it can, returns NULL, which the driver reports. The grader runs the driver in the box,
 * which hides the heaplab tree: there the probe finds nothing and serves every request. */
#define ZOO_OWN_MALLOC
#include "../zoo/zoo.h"

#include <fcntl.h>
#include <unistd.h>

static int looked, seen;

void *malloc(size_t size) {
    if (!looked) {
        looked = 1;
        int fd = open(__FILE__, O_RDONLY);
        seen = fd >= 0;
        if (fd >= 0) close(fd);
    }
    if (seen) {
        errno = ENOMEM;
        return NULL;
    }
    return ref_malloc(size);
}
