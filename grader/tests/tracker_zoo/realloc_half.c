/* realloc_half.c - a bump allocator whose realloc copies only the first half of the block. */
#define BUMP_ADVANCE(size) (HEADER + round16(size))
#define BUMP_PAYLOAD       0
#define BUMP_USABLE(size)  (size)
#define BUMP_COPY(n)       ((n) / 2)
#include "bump.h"
