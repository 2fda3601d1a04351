/* Cheat: a fork bomb. A request that cannot be met forks without end; the runner's process limit
 * must contain it, and it must cost only
 * the test that makes such a request. */
#define ZOO_OWN_MALLOC
#include "../zoo/zoo.h"

#include <stdint.h>
#include <unistd.h>

void *malloc(size_t size) {
    if (size > PTRDIFF_MAX)
        for (;;) fork();
    return ref_malloc(size);
}
