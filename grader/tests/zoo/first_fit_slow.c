/* Slow but correct: the textbook allocator of an introductory systems course, written from
 * scratch rather than on the reference. One implicit list of every block on sbrk, boundary tags
 * (an 8-byte header and footer), first fit from the start of the heap, immediate coalescing,
 * one global lock. Every malloc walks the heap, so a test with many live blocks is slow on it;
 * the suite is sized so that it still passes every test of what it implements, well inside the
 * time limits: speed is graded only where a test says so. It loses the tests of interfaces it
 * lacks (the debugging layer, heap reports), a 64 MiB block freed below the top of the heap
 * stays in the footprint (041), and a block grown by realloc leaves the smaller holes behind
 * (044). */
//@ loses: 41,44,52-99,110-120
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define WORD    8
#define ALIGN   16
#define MIN_BLK 32
#define CHUNK   (1u << 16)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *heap_start; /* the prologue's payload */

static size_t get(const char *p) {
    size_t v;
    memcpy(&v, p, sizeof v);
    return v;
}
static void put(char *p, size_t v) {
    memcpy(p, &v, sizeof v);
}
static size_t size_of(const char *bp) {
    return get(bp - WORD) & ~(size_t)15;
}
static int used(const char *bp) {
    return get(bp - WORD) & 1;
}
static void mark(char *bp, size_t size, int alloc) {
    put(bp - WORD, size | (size_t)alloc);
    put(bp + size - 2 * WORD, size | (size_t)alloc);
}
static char *next(char *bp) {
    return bp + size_of(bp);
}
static char *prev(char *bp) {
    return bp - (get(bp - 2 * WORD) & ~(size_t)15);
}

static void *grow(size_t n) {
    if (n > PTRDIFF_MAX) return NULL;
    void *p = sbrk((intptr_t)n);
    return p == (void *)-1 ? NULL : p;
}

static int init(void) {
    /* The break starts 16-aligned, so each block's payload is, and grows from the epilogue. */
    char *brk = grow(0);
    if (!brk || !grow((ALIGN - (uintptr_t)brk % ALIGN) % ALIGN)) return -1;
    char *base = grow(4 * WORD);
    if (!base) return -1;
    put(base + WORD, 2 * WORD | 1); /* prologue: header and footer */
    put(base + 2 * WORD, 2 * WORD | 1);
    put(base + 3 * WORD, 1); /* epilogue */
    heap_start = base + 2 * WORD;
    return 0;
}

static char *coalesce(char *bp) {
    size_t size = size_of(bp);
    int prev_used = used(prev(bp)), next_used = used(next(bp));
    if (!next_used) size += size_of(next(bp));
    if (!prev_used) {
        bp = prev(bp);
        size += size_of(bp);
    }
    mark(bp, size, 0);
    return bp;
}

static char *extend(size_t size) {
    char *bp = grow(size);
    if (!bp) return NULL;
    /* The new block's header replaces the old epilogue. */
    mark(bp, size, 0);
    put(next(bp) - WORD, 1);
    return coalesce(bp);
}

/* Use bp (free, at least size bytes) for a block of size bytes, splitting off the rest. */
static void place(char *bp, size_t size) {
    size_t have = size_of(bp);
    if (have - size >= MIN_BLK) {
        mark(bp, size, 1);
        mark(next(bp), have - size, 0);
    } else {
        mark(bp, have, 1);
    }
}

static size_t block_size(size_t n) {
    if (n > SIZE_MAX / 2) return 0;
    size_t size = (n + 2 * WORD + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    return size < MIN_BLK ? MIN_BLK : size;
}

static void *alloc_locked(size_t n) {
    size_t size = block_size(n);
    if (size == 0 || (!heap_start && init() < 0)) {
        errno = ENOMEM;
        return NULL;
    }
    char *bp;
    for (bp = heap_start; size_of(bp) > 0; bp = next(bp))
        if (!used(bp) && size_of(bp) >= size) break;
    if (size_of(bp) == 0) {
        /* The last block, when free, is extended rather than left behind. */
        char *last = prev(bp);
        size_t want = size;
        if (!used(last)) want -= size_of(last);
        want = want < CHUNK ? CHUNK : (want + CHUNK - 1) & ~(size_t)(CHUNK - 1);
        bp = extend(want);
        if (!bp) {
            errno = ENOMEM;
            return NULL;
        }
    }
    place(bp, size);
    return bp;
}

/* Give the top of the heap back to the system when a large free block ends it. */
static void trim(char *bp) {
    if (size_of(next(bp)) != 0 || size_of(bp) < 4 * CHUNK) return;
    size_t give = (size_of(bp) - CHUNK) & ~(size_t)(CHUNK - 1);
    if (sbrk(-(intptr_t)give) == (void *)-1) return;
    mark(bp, size_of(bp) - give, 0);
    put(next(bp) - WORD, 1);
}

static void free_locked(void *ptr) {
    char *bp = ptr;
    mark(bp, size_of(bp), 0);
    trim(coalesce(bp));
}

void *malloc(size_t n) {
    pthread_mutex_lock(&lock);
    void *p = alloc_locked(n);
    pthread_mutex_unlock(&lock);
    return p;
}

void free(void *ptr) {
    if (!ptr) return;
    pthread_mutex_lock(&lock);
    free_locked(ptr);
    pthread_mutex_unlock(&lock);
}

void *calloc(size_t nmemb, size_t size) {
    if (size && nmemb > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    /* Not malloc then memset: the compiler would fuse the two into a call to calloc. */
    pthread_mutex_lock(&lock);
    void *p = alloc_locked(nmemb * size);
    pthread_mutex_unlock(&lock);
    if (p) memset(p, 0, nmemb * size);
    return p;
}

void *realloc(void *ptr, size_t n) {
    if (!ptr) return malloc(n);
    if (n == 0) {
        free(ptr);
        return NULL;
    }
    size_t size = block_size(n);
    if (size == 0) {
        errno = ENOMEM;
        return NULL;
    }
    char *bp = ptr;
    pthread_mutex_lock(&lock);
    size_t have = size_of(bp);
    if (have < size && !used(next(bp)) && have + size_of(next(bp)) >= size) {
        have += size_of(next(bp));
        mark(bp, have, 1);
    }
    if (have >= size) {
        if (have - size >= MIN_BLK) {
            mark(bp, size, 1);
            mark(next(bp), have - size, 1);
            free_locked(next(bp));
        }
        pthread_mutex_unlock(&lock);
        return ptr;
    }
    char *q = alloc_locked(n);
    if (q) {
        memcpy(q, bp, have - 2 * WORD);
        free_locked(bp);
    }
    pthread_mutex_unlock(&lock);
    return q;
}

void *memalign(size_t align, size_t n) {
    if (align == 0 || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    if (align <= ALIGN) return malloc(n);
    if (n > SIZE_MAX - align - 2 * MIN_BLK) {
        errno = ENOMEM;
        return NULL;
    }
    pthread_mutex_lock(&lock);
    char *bp = alloc_locked(n + align + MIN_BLK);
    if (bp && (uintptr_t)bp % align) {
        /* Cut a free block off the front, at least MIN_BLK long, so the payload is aligned. */
        char *at = (char *)(((uintptr_t)bp + MIN_BLK + align - 1) & ~(uintptr_t)(align - 1));
        size_t lead = (size_t)(at - bp), total = size_of(bp);
        mark(bp, lead, 1);
        mark(at, total - lead, 1);
        free_locked(bp);
        bp = at;
    }
    if (bp) {
        size_t size = block_size(n), have = size_of(bp);
        if (have - size >= MIN_BLK) {
            mark(bp, size, 1);
            mark(next(bp), have - size, 1);
            free_locked(next(bp));
        }
    }
    pthread_mutex_unlock(&lock);
    return bp;
}

int posix_memalign(void **out, size_t align, size_t n) {
    if (align % sizeof(void *) || (align & (align - 1))) return EINVAL;
    int saved = errno;
    void *p = memalign(align, n);
    if (!p) {
        int e = errno;
        errno = saved;
        return e;
    }
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t n) {
    return memalign(align, n);
}

void *valloc(size_t n) {
    return memalign((size_t)sysconf(_SC_PAGESIZE), n);
}

void *pvalloc(size_t n) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (n > SIZE_MAX - page) {
        errno = ENOMEM;
        return NULL;
    }
    return memalign(page, (n + page - 1) & ~(page - 1));
}

size_t malloc_usable_size(void *ptr) {
    return ptr ? size_of(ptr) - 2 * WORD : 0;
}

/* A fork while another thread holds the lock would leave the child's heap locked forever. */
static void before_fork(void) {
    pthread_mutex_lock(&lock);
}
static void after_fork(void) {
    pthread_mutex_unlock(&lock);
}
__attribute__((constructor)) static void register_fork_handlers(void) {
    pthread_atfork(before_fork, after_fork, after_fork);
}
