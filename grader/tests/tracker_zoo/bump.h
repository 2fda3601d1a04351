/* bump.h - the allocator the tracker zoo's broken members share: a bump pointer in a 16 MiB
 * arena obtained from sbrk, each block after a 16-byte header holding its size, nothing ever
 * reused. Each member defines BUMP_ADVANCE (how far the pointer moves past a block),
 * BUMP_PAYLOAD (where in its slot the payload starts), BUMP_USABLE (what
 * malloc_usable_size says) and BUMP_COPY (how many bytes realloc copies), and may define
 * BUMP_FREE(p) (what free does; by default nothing), so that exactly one thing about it is wrong.
 */
#ifndef TRACKER_ZOO_BUMP_H
#define TRACKER_ZOO_BUMP_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

enum { ARENA = 16 << 20, HEADER = 16 };

static char *arena_top, *arena_end;
static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t round16(size_t n) {
    return (n + 15) & ~(size_t)15;
}

void *malloc(size_t size) {
    if (size > ARENA / 2) return NULL;
    pthread_mutex_lock(&arena_lock);
    if (!arena_top) {
        char *p = sbrk(ARENA);
        if (p == (char *)-1) {
            pthread_mutex_unlock(&arena_lock);
            return NULL;
        }
        arena_top = p;
        arena_end = p + ARENA;
    }
    char *block = NULL;
    if (arena_top + HEADER + round16(size) + 16 <= arena_end) {
        block = arena_top + HEADER + BUMP_PAYLOAD;
        memcpy(block - sizeof size, &size, sizeof size);
        arena_top += BUMP_ADVANCE(size);
    }
    pthread_mutex_unlock(&arena_lock);
    return block;
}

static size_t block_size(const void *p) {
    size_t size;
    memcpy(&size, (const char *)p - sizeof size, sizeof size);
    return size;
}

void free(void *p) {
#ifdef BUMP_FREE
    if (p) BUMP_FREE(p);
#else
    (void)p;
#endif
}

size_t malloc_usable_size(void *p) {
    return p ? BUMP_USABLE(block_size(p)) : 0;
}

void *calloc(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
    void *p = malloc(count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

void *realloc(void *p, size_t size) {
    void *q = malloc(size);
    if (p && q) memcpy(q, p, BUMP_COPY(block_size(p) < size ? block_size(p) : size));
    return q;
}

#endif
