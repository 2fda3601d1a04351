/* static_arena.c - a correct allocator whose memory is a static array, not the system's: the
 * tracker must accept it, as memory the allocator's own object holds. A bump pointer; freed
 * blocks are never reused.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static _Alignas(16) char arena[8 << 20];
static size_t used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void *malloc(size_t size) {
    size_t need = 16 + ((size + 15) & ~(size_t)15);
    if (size > sizeof arena) return NULL;
    pthread_mutex_lock(&lock);
    char *p = NULL;
    if (used + need <= sizeof arena) {
        p = arena + used + 16;
        memcpy(p - sizeof size, &size, sizeof size);
        used += need;
    }
    pthread_mutex_unlock(&lock);
    return p;
}

void free(void *p) {
    (void)p;
}

void *calloc(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
    return malloc(count * size); /* the arena is zeroed and never reused */
}

static size_t block_size(const void *p) {
    size_t size;
    memcpy(&size, (const char *)p - sizeof size, sizeof size);
    return size;
}

void *realloc(void *p, size_t size) {
    void *q = malloc(size);
    if (p && q) memcpy(q, p, block_size(p) < size ? block_size(p) : size);
    return q;
}

size_t malloc_usable_size(void *p) {
    return p ? block_size(p) : 0;
}
