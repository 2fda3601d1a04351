/* mmap_each.c - a correct allocator that maps every block on its own and unmaps it when freed,
 * so that its footprint is known exactly: the size plus a 16-byte header (more for a larger
 * alignment), rounded up to whole pages. The header holds the mapping's start and length.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct {
    char *base;
    size_t len, size;
    size_t pad;
} header;

static void *map_block(size_t size, size_t align) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (align < 16) align = 16;
    if (size > SIZE_MAX / 2) return NULL;
    size_t len = (sizeof(header) + (align > 16 ? align : 0) + size + page - 1) & ~(page - 1);
    char *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return NULL;
    char *p = (char *)(((uintptr_t)base + sizeof(header) + align - 1) & ~(uintptr_t)(align - 1));
    header h = {base, len, size, 0};
    memcpy(p - sizeof h, &h, sizeof h);
    return p;
}

static header header_of(void *p) {
    header h;
    memcpy(&h, (char *)p - sizeof h, sizeof h);
    return h;
}

void *malloc(size_t size) {
    return map_block(size, 16);
}

void free(void *p) {
    if (p) munmap(header_of(p).base, header_of(p).len);
}

void *calloc(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
    return malloc(count * size); /* fresh mappings are zeroed */
}

void *realloc(void *p, size_t size) {
    if (!p) return malloc(size);
    void *q = malloc(size);
    if (q) {
        size_t old = header_of(p).size;
        memcpy(q, p, old < size ? old : size);
        free(p);
    }
    return q;
}

int posix_memalign(void **out, size_t align, size_t size) {
    void *p = map_block(size, align);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t size) {
    return map_block(size, align);
}

void *memalign(size_t align, size_t size) {
    return map_block(size, align);
}

void *valloc(size_t size) {
    return map_block(size, (size_t)sysconf(_SC_PAGESIZE));
}

void *pvalloc(size_t size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return map_block((size + page - 1) & ~(page - 1), page);
}

size_t malloc_usable_size(void *p) {
    return p ? header_of(p).size : 0;
}
