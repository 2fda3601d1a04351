/* Cheat: gigabytes of output. A request that cannot be met prints without end; the runner's
 * output cap must stop it, and it must cost only the test
 * that makes such a request. */
#define ZOO_OWN_MALLOC
#include "../zoo/zoo.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

void *malloc(size_t size) {
    if (size > PTRDIFF_MAX) {
        static char line[4096];
        memset(line, 'x', sizeof line - 1);
        line[sizeof line - 1] = '\n';
        for (long i = 0; i < 1L << 20; i++) /* 4 GiB */
            if (write(1, line, sizeof line) < 0) break;
    }
    return ref_malloc(size);
}
