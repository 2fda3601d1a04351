/* usable_short.c - a bump allocator whose malloc_usable_size reports one byte less than the
 * block holds. */
#define BUMP_ADVANCE(size) (HEADER + round16(size))
#define BUMP_PAYLOAD       0
#define BUMP_USABLE(size)  ((size)-1)
#define BUMP_COPY(n)       (n)
#include "bump.h"
