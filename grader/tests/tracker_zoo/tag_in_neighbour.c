/* tag_in_neighbour.c - a bump allocator whose free writes a boundary tag one header too far:
 * over the first bytes of the next block, live or not. No two blocks overlap; only a test that
 * knows what its blocks hold, or the tracker's payload check, sees it. */
#define BUMP_ADVANCE(size) (HEADER + round16(size))
#define BUMP_PAYLOAD       0
#define BUMP_USABLE(size)  (size)
#define BUMP_COPY(n)       (n)
#define BUMP_FREE(p)       memset((char *)(p) + round16(block_size(p)) + HEADER, 0xfe, 8)
#include "bump.h"
