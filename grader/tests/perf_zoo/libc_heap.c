/* Broken for the trace driver: blocks of 100 to 200 bytes come from glibc's allocator
 * (__libc_malloc), not from memory this allocator obtained with sbrk or mmap, as by an allocator
 * that hands out memory it does not own. Every block is still usable, so only the driver's
 * check that blocks lie inside the allocator's own memory catches it. */
#define ZOO_OWN_MALLOC
#define ZOO_OWN_FREE
#define ZOO_OWN_REALLOC
#define ZOO_OWN_MALLOC_USABLE_SIZE
#include "../zoo/zoo.h"

void *__libc_malloc(size_t size);
void __libc_free(void *ptr);

/* The borrowed pointers: an open-addressing set (the traces keep far fewer live). */
#define SET_SIZE (1u << 16)
#define REMOVED  ((void *)1)
static void *set[SET_SIZE];

static size_t slot_of(void *ptr) {
    return ((uintptr_t)ptr >> 4) * 0x9e3779b97f4a7c15ULL >> 48;
}

static void remember(void *ptr) {
    size_t i = slot_of(ptr);
    while (set[i] && set[i] != REMOVED) i = (i + 1) % SET_SIZE;
    set[i] = ptr;
}

/* Whether ptr was borrowed; forgets it when asked to. */
static bool borrowed(void *ptr, bool forget) {
    for (size_t i = slot_of(ptr); ptr && set[i]; i = (i + 1) % SET_SIZE) {
        if (set[i] == ptr) {
            if (forget) set[i] = REMOVED;
            return true;
        }
    }
    return false;
}

void *malloc(size_t size) {
    if (size < 100 || size > 200) return ref_malloc(size);
    void *p = __libc_malloc(size);
    if (p) remember(p);
    return p;
}

void free(void *ptr) {
    if (borrowed(ptr, true))
        __libc_free(ptr);
    else
        ref_free(ptr);
}

void *realloc(void *ptr, size_t size) {
    if (!borrowed(ptr, false)) return ref_realloc(ptr, size);
    void *moved = malloc(size);
    if (moved) memcpy(moved, ptr, size < 100 ? size : 100);
    free(ptr);
    return moved;
}

size_t malloc_usable_size(void *ptr) {
    return borrowed(ptr, false) ? 100 : ref_malloc_usable_size(ptr);
}
