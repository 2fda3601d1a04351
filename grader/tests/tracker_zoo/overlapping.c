/* overlapping.c - a bump allocator that moves its pointer past the header alone, so each block
 * overlaps the one before it. */
#define BUMP_ADVANCE(size) HEADER
#define BUMP_PAYLOAD       0
#define BUMP_USABLE(size)  (size)
#define BUMP_COPY(n)       (n)
#include "bump.h"
