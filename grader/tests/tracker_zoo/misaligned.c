/* misaligned.c - a bump allocator whose payloads start 8 bytes into their 16-aligned slot: every
 * block is 8-byte aligned, not 16. */
#define BUMP_ADVANCE(size) (HEADER + round16(size) + 16)
#define BUMP_PAYLOAD       8
#define BUMP_USABLE(size)  (size)
#define BUMP_COPY(n)       (n)
#include "bump.h"
