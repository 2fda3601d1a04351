/*
 * alloc.c - the heaplab reference allocator
 * ==========================================
 *
 * Quick start
 *   Static:  gcc -O2 -g -pthread -c alloc.c && ar rcs liballoc.a alloc.o
 *            (linked into a program, these definitions replace glibc's malloc family)
 *   Preload: gcc -O2 -g -pthread -fPIC -shared alloc.c -o alloc.so
 *            LD_PRELOAD=./alloc.so PROGRAM
 *
 * Interface
 *   malloc, free, calloc, realloc               the C standard's semantics
 *   posix_memalign, aligned_alloc, memalign,    any power-of-two alignment
 *   valloc, pvalloc, malloc_usable_size
 *   alloc_check_heap (alloc.h)                  walks the heap, reports the first broken
 *                                               invariant on stderr, returns 0 if one broke
 *
 * Vital statistics
 *   Alignment:        16 bytes for every payload (alignof(max_align_t)).
 *   Overhead:         16 bytes per heap block (an 8-byte header and an 8-byte footer).
 *   Minimum block:    32 bytes, so malloc(0) .. malloc(16) take 32 bytes of heap.
 *   Largest request:  PTRDIFF_MAX - 16 MiB; larger ones fail with ENOMEM before any arithmetic.
 *   malloc(0):        a unique pointer to a minimum block.
 *   realloc(p, 0):    frees p and returns NULL, as glibc does (p != NULL).
 *   Failure:          NULL with errno = ENOMEM (posix_memalign returns the code instead);
 *                     free() never changes errno.
 *   Thread safety:    one mutex around the heap; mmap'd blocks are handled without it.
 *   Fork safety:      pthread_atfork handlers take the mutex across fork(), so the child
 *                     finds the heap consistent and unlocked.
 *
 * Overview of the algorithm
 *   Requests of at least the mmap threshold get a private mapping each ("large blocks"), which
 *   munmap returns to the system on free and mremap resizes. Everything else lives in the heap:
 *   one or more contiguous segments, normally a single one grown with sbrk. When sbrk fails
 *   (RLIMIT_DATA, or another mapping sits above the break) or some other code moved the break,
 *   the heap continues in a new segment, mmap'd when sbrk gives nothing.
 *
 *   A segment is a sequence of blocks with boundary tags (Knuth): the size and the in-use bit
 *   are stored both in front of the block and at its end, so free() finds both neighbours in
 *   constant time and merges with the free ones at once. Hence no two free blocks are ever
 *   adjacent. Free blocks sit in segregated lists ("bins"): one per 16-byte size below 1 KiB,
 *   then four per power of two. malloc takes the first block that fits from the request's own
 *   bin, else the head of the next non-empty bin (a bitmap finds it), splits off the rest,
 *   and grows the heap only when no bin can serve. A free block at the top of the sbrk
 *   segment larger than TRIM_THRESHOLD is handed back with a negative sbrk, and an mmap'd
 *   segment left empty is unmapped unless it is the newest.
 *
 * A heap block (addresses grow to the right; every block starts 8 bytes past a 16-byte
 * boundary, so the payload after the header is 16-byte aligned):
 *
 *      block                      payload (16-aligned)                         next block
 *      |                          |                                            |
 *      v                          v                                            v
 *      +--------------------------+--------------------------------+-----------+--------
 *      | head: size | flags       | user data (in use), or         | foot:     | head ...
 *      |                          | next, prev free-list links     | copy of   |
 *      |                          | (free)                         | head      |
 *      +--------------------------+--------------------------------+-----------+--------
 *      <-------------------------------- size -------------------------------->
 *
 * A segment:
 *
 *      +---------------+-----------+--------+--------+-----+--------+-----------+
 *      | segment_t     | prologue  | block  | block  | ... | block  | epilogue  |
 *      | (links, end)  | foot: 0|U | ...    |        |     |        | head: 0|U |
 *      +---------------+-----------+--------+--------+-----+--------+-----------+
 *      ^ 16-aligned                                                    end ^ (16-aligned)
 *
 *   The prologue footer and the epilogue header are permanently "in use" with size 0, so the
 *   first and last blocks need no special case when they look at their neighbours. Growing
 *   the sbrk segment turns the old epilogue into the header of the new space.
 *
 * A large block: the mapping starts at a page boundary; the word before the header holds
 * the distance from the mapping's start to the header (over-aligned requests slide the
 * payload forward), and the header holds the mapping's length with both flags set.
 *
 *      +---------------- ... ---+--------+-------------+--------------------------------+
 *      | (alignment slack)      | offset | len | M | U | user data ...                  |
 *      +---------------- ... ---+--------+-------------+--------------------------------+
 *      ^ page-aligned mapping start                    ^ payload                mapping end ^
 *
 * Tunables (compile time, -DNAME=VALUE)           default   meaning
 *   MMAP_THRESHOLD_DEFAULT                        128 KiB   requests >= this get their own
 *                                                           mapping; the environment
 *                                                           variable HEAPLAB_MMAP_THRESHOLD
 *                                                           (decimal bytes) overrides it
 *   HEAP_GROW_MIN                                 128 KiB   smallest sbrk growth
 *   HEAP_MMAP_SEGMENT_MIN                         1 MiB     smallest mmap'd heap segment
 *   TRIM_THRESHOLD                                256 KiB   a free top block this large is
 *                                                           trimmed down to HEAP_GROW_MIN
 *
 * Checks
 *   Cheap ones always on: every pointer given to free, realloc or malloc_usable_size passes
 *   through user_block(), which aborts with a message on a misaligned pointer, a block that
 *   is not in use (double free) or a header that disagrees with its footer. The full walk
 *   is alloc_check_heap(), which reports instead of aborting.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sbrk, mremap, MAP_ANONYMOUS under -std=c11 */
#endif

#include "alloc.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ============================================================================================
 * Configuration
 * ============================================================================================
 */

/* May be tuned. */

/* Requests of at least this many bytes are mmap'd on their own; HEAPLAB_MMAP_THRESHOLD in the
 * environment overrides it once, at the first allocation. */
#ifndef MMAP_THRESHOLD_DEFAULT
#define MMAP_THRESHOLD_DEFAULT (128 * 1024)
#endif

/* Smallest sbrk growth: amortises the system call over many small requests. */
#ifndef HEAP_GROW_MIN
#define HEAP_GROW_MIN (128 * 1024)
#endif

/* Smallest heap segment mmap'd when sbrk fails; each segment costs a mapping. */
#ifndef HEAP_MMAP_SEGMENT_MIN
#define HEAP_MMAP_SEGMENT_MIN (1024 * 1024)
#endif

/* A free block at the top of the sbrk segment at least this large is trimmed to HEAP_GROW_MIN,
 * so that a program that frees most of its heap gives the memory back. */
#ifndef TRIM_THRESHOLD
#define TRIM_THRESHOLD (256 * 1024)
#endif

#if TRIM_THRESHOLD <= HEAP_GROW_MIN
#error "TRIM_THRESHOLD <= HEAP_GROW_MIN: each free at the top would trim what malloc regrows"
#endif

/* Do not touch: the block layout below depends on these. */

#define ALIGNMENT ((size_t)16)   /* of every payload: alignof(max_align_t) on x86-64 and arm64 */
#define WORD      sizeof(size_t) /* a header or a footer */

/* Every size computation starts from a request no larger than this, which leaves room for all
 * the headers, alignment and page rounding added later without overflowing size_t or
 * exceeding what sbrk's intptr_t argument can express. */
#define MAX_REQUEST ((size_t)PTRDIFF_MAX - ((size_t)16 << 20))

_Static_assert(_Alignof(max_align_t) <= ALIGNMENT, "payload alignment below max_align_t");
_Static_assert(WORD == 8, "the layout assumes 8-byte headers: a header puts the payload 8 "
                          "bytes past the block start, which starts 8 past a 16-byte boundary");
_Static_assert(sizeof(void *) == WORD, "free-list links are assumed to be one word each");

/* ============================================================================================
 * Block layout
 * ============================================================================================
 *
 * Invariants of a heap block b (see the diagram in the header comment):
 *   (uintptr_t)b % 16 == 8, so the payload b + WORD is 16-aligned;
 *   size(b) % 16 == 0 and size(b) >= MIN_BLOCK;
 *   foot(b) == head(b), for free and in-use blocks alike;
 *   a free block is in exactly one bin, bins[bin_index(size(b))];
 *   the blocks on either side of a free block are in use (coalescing is immediate).
 * A large block has both INUSE and MMAPPED in its head and no footer.
 */

typedef struct block {
    size_t head;        /* size | flags; the size counts header, payload and footer */
    struct block *next; /* free-list links, meaningful only while the block is free: they */
    struct block *prev; /* overlay the first payload bytes, which the user no longer owns */
} block_t;

#define INUSE     ((size_t)1)  /* allocated, or a prologue/epilogue sentinel */
#define MMAPPED   ((size_t)2)  /* a large block with its own mapping */
#define FLAG_MASK ((size_t)15) /* sizes are multiples of 16, which frees the low four bits */

#define OVERHEAD  (2 * WORD) /* header and footer */
#define MIN_BLOCK ((size_t)32)

_Static_assert(offsetof(block_t, next) == WORD, "the payload starts right after the header");
_Static_assert(sizeof(block_t) + WORD <= MIN_BLOCK, "a free block must hold links and footer");
_Static_assert(MIN_BLOCK % ALIGNMENT == 0, "block sizes are multiples of the alignment");
_Static_assert((MMAPPED | INUSE) <= FLAG_MASK && FLAG_MASK < ALIGNMENT, "flags fit below 16");

static inline size_t block_size(const block_t *b) {
    return b->head & ~FLAG_MASK;
}

static inline bool block_inuse(const block_t *b) {
    return (b->head & INUSE) != 0;
}

static inline size_t *block_foot(block_t *b) {
    return (size_t *)((char *)b + block_size(b) - WORD);
}

static inline block_t *block_next(block_t *b) {
    return (block_t *)((char *)b + block_size(b));
}

/* The footer of the block before b (or the prologue footer, or a large block's offset). */
static inline size_t *block_prev_foot(block_t *b) {
    return (size_t *)b - 1;
}

static inline void *block_payload(block_t *b) {
    return (char *)b + WORD;
}

static inline block_t *payload_block(void *p) {
    return (block_t *)((char *)p - WORD);
}

/* Writes both boundary tags; every change of a heap block's size or state goes through here
 * so that head and foot cannot disagree. */
static inline void block_set(block_t *b, size_t size, size_t flags) {
    b->head = size | flags;
    *(size_t *)((char *)b + size - WORD) = size | flags;
}

static inline uintptr_t align_up(uintptr_t x, size_t a) {
    return (x + (a - 1)) & ~(uintptr_t)(a - 1);
}

static inline uintptr_t align_down(uintptr_t x, size_t a) {
    return x & ~(uintptr_t)(a - 1);
}

/* The block size that serves a request of n bytes, or false when n is beyond MAX_REQUEST. */
static bool request_block_size(size_t n, size_t *size) {
    if (n > MAX_REQUEST) return false;
    size_t s = align_up(n + OVERHEAD, ALIGNMENT);
    *size = s < MIN_BLOCK ? MIN_BLOCK : s;
    return true;
}

/* A segment: a contiguous stretch of heap obtained from sbrk or mmap.
 * Invariants: (uintptr_t)seg % 16 == 0 and (uintptr_t)end % 16 == 0; the word after the
 * segment_t is the prologue footer (0 | INUSE), the word before end is the epilogue header
 * (0 | INUSE), and the blocks in between tile the segment exactly. A mapped segment is its
 * whole mapping: [seg, end) is what mmap returned. */
typedef struct segment {
    struct segment *next; /* all segments, newest first: the heap check walks them, and an */
    struct segment *prev; /* empty mapped segment is unlinked */
    char *end;            /* one past the epilogue header */
    size_t mapped;        /* nonzero if mmap'd, so munmap may return it once empty */
} segment_t;

#define SEGMENT_OVERHEAD (sizeof(segment_t) + 2 * WORD) /* segment_t, prologue, epilogue */

_Static_assert(sizeof(segment_t) % ALIGNMENT == 0,
               "segment_t plus the prologue footer must put the first block 8 past a boundary");

static inline block_t *segment_first(segment_t *s) {
    return (block_t *)((char *)s + sizeof(segment_t) + WORD);
}

static inline block_t *segment_epilogue(segment_t *s) {
    return (block_t *)(s->end - WORD);
}

/* ============================================================================================
 * Size classes and bins
 * ============================================================================================
 *
 * Sizes below 1 KiB have one bin per multiple of 16 (bins 2..63 hold exactly that size;
 * bins 0 and 1 stay empty since no block is smaller than 32). From 1 KiB on, each power of
 * two [2^k, 2^(k+1)) is cut into four bins of equal width, so the first fit found in the
 * request's own bin is within a quarter of a best fit, and a block from a later bin is split.
 */

#define SMALL_BINS   64
#define SMALL_LIMIT  (SMALL_BINS * ALIGNMENT) /* 1 KiB: the first size with a ranged bin */
#define SMALL_SHIFT  10                       /* log2(SMALL_LIMIT) */
#define NBINS        (SMALL_BINS + 4 * (64 - SMALL_SHIFT))
#define BITMAP_WORDS ((NBINS + 63) / 64)

_Static_assert(SMALL_LIMIT == (size_t)1 << SMALL_SHIFT, "SMALL_SHIFT is log2(SMALL_LIMIT)");

static unsigned bin_index(size_t size) {
    if (size < SMALL_LIMIT) return (unsigned)(size / ALIGNMENT);
    unsigned lg = 63u - (unsigned)__builtin_clzll((unsigned long long)size);
    return SMALL_BINS + 4 * (lg - SMALL_SHIFT) + (unsigned)((size >> (lg - 2)) & 3);
}

/* ============================================================================================
 * Heap state, locking and initialisation
 * ============================================================================================
 */

static struct {
    pthread_mutex_t lock;          /* guards every field below except page and mmap_threshold */
    block_t *bins[NBINS];          /* heads of the free lists; NULL-terminated, doubly linked */
    uint64_t bitmap[BITMAP_WORDS]; /* bit i set <=> bins[i] != NULL */
    segment_t *segments;           /* every heap segment, newest first */
    segment_t *sbrk_seg;           /* the segment whose end was the program break after our last
                                      sbrk: the only one that can grow in place or be trimmed */
    size_t page;                   /* written once by heap_init, read-only after heap_ready */
    size_t mmap_threshold;         /* likewise */
} heap = {.lock = PTHREAD_MUTEX_INITIALIZER};

static atomic_bool heap_ready;   /* page and mmap_threshold are set (release/acquire) */
static atomic_int fork_handlers; /* 0: not registered, 1: registering or registered */

static void heap_lock(void) {
    pthread_mutex_lock(&heap.lock);
}

static void heap_unlock(void) {
    pthread_mutex_unlock(&heap.lock);
}

/* Holding the lock across fork() means no other thread is half-way through changing the
 * heap at the moment the child's copy is taken. */
static void fork_prepare(void) {
    heap_lock();
}

static void fork_parent(void) {
    heap_unlock();
}

/* The child is single-threaded: a fresh mutex is correct whoever owned the old one. */
static void fork_child(void) {
    pthread_mutex_init(&heap.lock, NULL);
}

/* Reads HEAPLAB_MMAP_THRESHOLD without allocating; anything but plain decimal digits keeps the
 * default, and values beyond MAX_REQUEST saturate. */
static size_t threshold_from_env(void) {
    const char *s = getenv("HEAPLAB_MMAP_THRESHOLD");
    if (s == NULL || *s == '\0') return MMAP_THRESHOLD_DEFAULT;
    size_t v = 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') return MMAP_THRESHOLD_DEFAULT;
        v = v <= MAX_REQUEST / 10 ? v * 10 + (size_t)(*s - '0') : MAX_REQUEST;
    }
    return v < MAX_REQUEST ? v : MAX_REQUEST;
}

static void heap_init_slow(void) {
    heap_lock();
    if (!atomic_load_explicit(&heap_ready, memory_order_relaxed)) {
        long page = sysconf(_SC_PAGESIZE);
        heap.page = page > 0 ? (size_t)page : 4096;
        heap.mmap_threshold = threshold_from_env();
        atomic_store_explicit(&heap_ready, true, memory_order_release);
    }
    heap_unlock();
    /* pthread_atfork may itself call malloc, so it runs with the lock released, after the heap
     * is usable, and the exchange keeps that nested malloc from registering a second time.
     * Registering at the first allocation puts our handlers before those of libraries
     * initialised later; their prepare handlers, which run first, may still allocate. */
    int expected = 0;
    if (atomic_compare_exchange_strong(&fork_handlers, &expected, 1))
        pthread_atfork(fork_prepare, fork_parent, fork_child);
}

static inline void heap_init(void) {
    if (!atomic_load_explicit(&heap_ready, memory_order_acquire)) heap_init_slow();
}

/* The one reporter for fatal errors: formats on the stack, so it cannot re-enter malloc. */
__attribute__((noreturn)) static void die(const char *op, const char *what, const void *p) {
    char buf[192];
    int len = snprintf(buf, sizeof buf, "heaplab alloc: %s(%p): %s\n", op, p, what);
    if (len > 0) {
        ssize_t w = write(STDERR_FILENO, buf, (size_t)len < sizeof buf ? (size_t)len : sizeof buf);
        (void)w;
    }
    abort();
}

/* ============================================================================================
 * System memory
 * ============================================================================================
 *
 * Thin wrappers that return NULL on failure and leave errno as they found it: the public
 * functions decide what errno says, and free() must not change it at all.
 */

static char *sys_sbrk(intptr_t incr) {
    int saved = errno;
    void *p = sbrk(incr);
    errno = saved;
    return p == (void *)-1 ? NULL : p;
}

static char *sys_mmap(size_t len) {
    int saved = errno;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    errno = saved;
    return p == MAP_FAILED ? NULL : p;
}

static void sys_munmap(void *p, size_t len) {
    int saved = errno;
    munmap(p, len);
    errno = saved;
}

static char *sys_mremap(void *p, size_t old_len, size_t new_len) {
    int saved = errno;
    void *q = mremap(p, old_len, new_len, MREMAP_MAYMOVE);
    errno = saved;
    return q == MAP_FAILED ? NULL : q;
}

/* ============================================================================================
 * Free lists
 * ============================================================================================
 *
 * The caller holds the lock. A block is removed while its head still holds the size it was
 * inserted with, since that size names its bin.
 */

static void bin_insert(block_t *b) {
    unsigned i = bin_index(block_size(b));
    b->prev = NULL;
    b->next = heap.bins[i];
    if (b->next != NULL) b->next->prev = b;
    heap.bins[i] = b;
    heap.bitmap[i / 64] |= (uint64_t)1 << (i % 64);
}

static void bin_remove(block_t *b) {
    unsigned i = bin_index(block_size(b));
    if (b->prev != NULL)
        b->prev->next = b->next;
    else
        heap.bins[i] = b->next;
    if (b->next != NULL) b->next->prev = b->prev;
    if (heap.bins[i] == NULL) heap.bitmap[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* The first non-empty bin at index i or above, or NBINS. */
static unsigned bin_next_nonempty(unsigned i) {
    if (i >= NBINS) return NBINS;
    unsigned w = i / 64;
    uint64_t bits = heap.bitmap[w] & (~(uint64_t)0 << (i % 64));
    while (bits == 0) {
        if (++w == BITMAP_WORDS) return NBINS;
        bits = heap.bitmap[w];
    }
    return w * 64 + (unsigned)__builtin_ctzll(bits);
}

/* Unlinks and returns a free block of at least size bytes, or NULL. The request's own bin may
 * hold smaller blocks (ranged bins), so it is searched; any block of a later bin fits. */
static block_t *bin_take(size_t size) {
    unsigned i = bin_index(size);
    for (block_t *b = heap.bins[i]; b != NULL; b = b->next) {
        if (block_size(b) >= size) {
            bin_remove(b);
            return b;
        }
    }
    unsigned j = bin_next_nonempty(i + 1);
    if (j == NBINS) return NULL;
    block_t *b = heap.bins[j];
    bin_remove(b);
    return b;
}

/* ============================================================================================
 * Heap allocation, free and coalescing
 * ============================================================================================
 *
 * Everything in this section runs with the lock held.
 */

/* b carries free tags but is in no bin: merges it with its free neighbours, bins the result
 * and returns it. */
static block_t *coalesce(block_t *b) {
    size_t size = block_size(b);
    block_t *next = block_next(b);
    if (!block_inuse(next)) {
        bin_remove(next);
        size += block_size(next);
    }
    size_t prev_foot = *block_prev_foot(b);
    if ((prev_foot & INUSE) == 0) {
        block_t *prev = (block_t *)((char *)b - (prev_foot & ~FLAG_MASK));
        bin_remove(prev);
        size += block_size(prev);
        b = prev;
    }
    block_set(b, size, 0);
    bin_insert(b);
    return b;
}

/* Cuts an in-use block down to size bytes when the rest can stand as a block of its own. */
static void block_shrink(block_t *b, size_t size) {
    size_t old = block_size(b);
    if (old - size < MIN_BLOCK) return;
    block_set(b, size, INUSE);
    block_t *rest = (block_t *)((char *)b + size);
    block_set(rest, old - size, 0);
    coalesce(rest);
}

/* Carves a segment out of fresh memory [mem, mem + len) and bins its single free block. */
static segment_t *segment_create(char *mem, size_t len, bool mapped) {
    char *base = (char *)align_up((uintptr_t)mem, ALIGNMENT);
    char *end = (char *)align_down((uintptr_t)mem + len, ALIGNMENT);
    segment_t *s = (segment_t *)base;
    s->end = end;
    s->mapped = mapped;
    s->prev = NULL;
    s->next = heap.segments;
    if (s->next != NULL) s->next->prev = s;
    heap.segments = s;
    *((size_t *)segment_first(s) - 1) = INUSE;
    segment_epilogue(s)->head = INUSE;
    block_t *b = segment_first(s);
    block_set(b, (size_t)((char *)segment_epilogue(s) - (char *)b), 0);
    bin_insert(b);
    return s;
}

/* The program break moved up by len from s->end: the old epilogue becomes the header of a
 * free block of len bytes, which merges with a free last block. */
static void segment_extend(segment_t *s, size_t len) {
    block_t *b = segment_epilogue(s);
    s->end += len;
    segment_epilogue(s)->head = INUSE;
    block_set(b, len, 0);
    coalesce(b);
}

static bool at_sbrk_top(block_t *b) {
    return heap.sbrk_seg != NULL && b == segment_epilogue(heap.sbrk_seg);
}

/* Adds memory to the heap so that a free block of at least need bytes exists, or that the
 * last block of the sbrk segment grew by at least need bytes. Tries sbrk first, then mmap. */
static bool heap_grow(size_t need) {
    /* Room for a new segment's overhead and for rounding a misaligned break both ways, in
     * case the break is not where the sbrk segment ends. need <= MAX_REQUEST + 31. */
    size_t want = need + SEGMENT_OVERHEAD + 2 * ALIGNMENT;
    if (want < HEAP_GROW_MIN) want = HEAP_GROW_MIN;

    char *brk = sys_sbrk(0);
    if (brk != NULL) {
        /* Keeps the break page-aligned, so extensions stay 16-aligned and trims whole pages. */
        size_t incr = align_up((uintptr_t)brk + want, heap.page) - (uintptr_t)brk;
        char *got = incr <= (size_t)PTRDIFF_MAX ? sys_sbrk((intptr_t)incr) : NULL;
        if (got != NULL) {
            if (heap.sbrk_seg != NULL && got == heap.sbrk_seg->end)
                segment_extend(heap.sbrk_seg, incr);
            else
                heap.sbrk_seg = segment_create(got, incr, false);
            return true;
        }
    }
    size_t len = align_up(want < HEAP_MMAP_SEGMENT_MIN ? HEAP_MMAP_SEGMENT_MIN : want, heap.page);
    char *mem = sys_mmap(len);
    if (mem == NULL) return false;
    segment_create(mem, len, true);
    return true;
}

/* Gives the top of the sbrk segment back when top, a free block just binned, ends it and is
 * large, unless some other code has moved the break since our last sbrk. */
static void heap_trim(block_t *top) {
    segment_t *s = heap.sbrk_seg;
    size_t size = block_size(top);
    if (size < TRIM_THRESHOLD) return;
    size_t release = align_down(size - HEAP_GROW_MIN, heap.page);
    if (sys_sbrk(0) != s->end || sys_sbrk(-(intptr_t)release) == NULL) return;
    bin_remove(top);
    s->end -= release;
    segment_epilogue(s)->head = INUSE;
    block_set(top, size - release, 0);
    bin_insert(top);
}

/* Unmaps a mapped segment that b, a free block just binned, covers whole. The newest segment
 * stays, so that a program allocating and freeing one block does not map and unmap a segment
 * each time. */
static void segment_release(block_t *b) {
    segment_t *s = (segment_t *)((char *)b - WORD - sizeof(segment_t));
    if (!s->mapped || s == heap.segments) return;
    bin_remove(b);
    s->prev->next = s->next; /* s is not the list head, so it has a prev */
    if (s->next != NULL) s->next->prev = s->prev;
    sys_munmap(s, (size_t)(s->end - (char *)s));
}

/* Gives memory back to the system around b, a free block just binned. */
static void heap_release(block_t *b) {
    if (at_sbrk_top(block_next(b)))
        heap_trim(b);
    else if (*block_prev_foot(b) == INUSE && block_next(b)->head == INUSE)
        segment_release(b); /* only sentinels have size 0: b spans its segment */
}

/* Returns the payload of an in-use block of at least size bytes, or NULL. */
static void *heap_alloc(size_t size) {
    block_t *b = bin_take(size);
    if (b == NULL) {
        if (!heap_grow(size)) return NULL;
        b = bin_take(size);
    }
    block_set(b, block_size(b), INUSE);
    block_shrink(b, size);
    return block_payload(b);
}

static void heap_free(block_t *b) {
    block_set(b, block_size(b), 0);
    heap_release(coalesce(b));
}

/* Resizes an in-use block to size bytes without moving it: shrinking splits; growing absorbs
 * a free successor, extending the sbrk segment first when the block reaches its top. */
static bool heap_resize(block_t *b, size_t size) {
    size_t old = block_size(b);
    if (old >= size) {
        block_shrink(b, size);
        return true;
    }
    block_t *next = block_next(b);
    size_t avail = old + (block_inuse(next) ? 0 : block_size(next));
    if (avail < size && at_sbrk_top(block_inuse(next) ? next : block_next(next))) {
        if (!heap_grow(size - avail)) return false;
        next = block_next(b); /* the extension merged into next, or is next now */
        avail = old + (block_inuse(next) ? 0 : block_size(next));
    }
    if (avail < size) return false;
    if (avail > old) {
        bin_remove(next);
        block_set(b, avail, INUSE);
    }
    block_shrink(b, size);
    return true;
}

/* ============================================================================================
 * Large blocks
 * ============================================================================================
 *
 * No lock: a mapping belongs to one block, and the kernel serialises mmap and munmap.
 */

static inline size_t large_offset(block_t *b) {
    return *block_prev_foot(b);
}

static inline size_t large_usable(block_t *b) {
    return block_size(b) - large_offset(b) - WORD;
}

/* Maps a block whose payload holds n bytes at a multiple of align (a power of two >= 16). */
static void *large_alloc(size_t n, size_t align) {
    if (n < ALIGNMENT) n = ALIGNMENT; /* keeps the payload inside the mapping */
    size_t raw_len;
    if (__builtin_add_overflow(n, align, &raw_len) || raw_len > MAX_REQUEST) return NULL;
    /* The payload lands at most align bytes past the page-aligned start, and at least the
     * offset word and the header (16 bytes) past it. */
    raw_len = align_up(raw_len, heap.page);
    char *raw = sys_mmap(raw_len);
    if (raw == NULL) return NULL;
    char *payload = (char *)align_up((uintptr_t)raw + 2 * WORD, align);
    char *base = (char *)align_down((uintptr_t)payload - 2 * WORD, heap.page);
    char *end = (char *)align_up((uintptr_t)payload + n, heap.page);
    if (base > raw) sys_munmap(raw, (size_t)(base - raw));
    if (raw + raw_len > end) sys_munmap(end, (size_t)(raw + raw_len - end));
    block_t *b = payload_block(payload);
    *block_prev_foot(b) = (size_t)((char *)b - base);
    b->head = (size_t)(end - base) | MMAPPED | INUSE;
    return payload;
}

static void large_free(block_t *b) {
    sys_munmap((char *)b - large_offset(b), block_size(b));
}

/* mremap keeps the offset within the mapping, so the payload stays 16-aligned (a larger
 * alignment asked of memalign is not kept, which realloc does not promise). */
static void *large_resize(block_t *b, size_t n) {
    size_t off = large_offset(b);
    size_t len = align_up(off + WORD + n, heap.page);
    if (len == block_size(b)) return block_payload(b);
    char *base = sys_mremap((char *)b - off, block_size(b), len);
    if (base == NULL) return NULL;
    block_t *nb = (block_t *)(base + off);
    nb->head = len | MMAPPED | INUSE;
    return block_payload(nb);
}

/* ============================================================================================
 * Allocation paths shared by the public functions
 * ============================================================================================
 *
 * These return NULL on failure and leave errno alone; the public functions set it.
 */

static void *alloc_any(size_t n) {
    heap_init();
    size_t size;
    if (!request_block_size(n, &size)) return NULL;
    if (n >= heap.mmap_threshold) return large_alloc(n, ALIGNMENT);
    heap_lock();
    void *p = heap_alloc(size);
    heap_unlock();
    return p;
}

/* The single door through which every pointer from the user passes: aborts on anything that
 * cannot be a live block of ours rather than corrupt the heap with it. */
static block_t *user_block(void *p, const char *op) {
    heap_init(); /* a forged pointer may come before any allocation; the checks need the page */
    if ((uintptr_t)p % ALIGNMENT != 0) die(op, "invalid pointer (misaligned)", p);
    block_t *b = payload_block(p);
    size_t head = b->head;
    if ((head & INUSE) == 0) die(op, "block not in use (double free or invalid pointer)", p);
    if (head & MMAPPED) {
        size_t len = head & ~FLAG_MASK, off = large_offset(b);
        if ((head & FLAG_MASK) != (MMAPPED | INUSE) || len % heap.page != 0 ||
            off % ALIGNMENT != WORD || off >= len - WORD || ((uintptr_t)b - off) % heap.page != 0)
            die(op, "corrupted large block header", p);
    } else {
        if ((head & FLAG_MASK) != INUSE || (head & ~FLAG_MASK) < MIN_BLOCK)
            die(op, "corrupted block header", p);
        if (*block_foot(b) != head)
            die(op, "block footer disagrees with header (overflow past the block?)", p);
    }
    return b;
}

static size_t block_usable(block_t *b) {
    return (b->head & MMAPPED) ? large_usable(b) : block_size(b) - OVERHEAD;
}

static void free_block(block_t *b) {
    if (b->head & MMAPPED) {
        large_free(b);
        return;
    }
    heap_lock();
    heap_free(b);
    heap_unlock();
}

/* ============================================================================================
 * Aligned family
 * ============================================================================================
 */

/* In the heap, takes a block with room to slide the payload up to the alignment; the slack
 * in front (at least MIN_BLOCK when not empty) and the excess behind are freed again. */
static void *heap_alloc_aligned(size_t align, size_t size) {
    void *p = heap_alloc(size + align + MIN_BLOCK);
    if (p == NULL) return NULL;
    block_t *b = payload_block(p);
    uintptr_t at = align_up((uintptr_t)p, align);
    /* A lead of 16 bytes cannot stand as a block; the next aligned address is align further
     * and the request reserved align + MIN_BLOCK for slack, which covers align + 16. */
    if (at != (uintptr_t)p && at - (uintptr_t)p < MIN_BLOCK) at += align;
    if (at != (uintptr_t)p) {
        size_t lead = at - (uintptr_t)p, total = block_size(b);
        block_t *nb = payload_block((void *)at);
        block_set(nb, total - lead, INUSE);
        block_set(b, lead, 0);
        coalesce(b);
        b = nb;
    }
    block_shrink(b, size);
    return block_payload(b);
}

/* align is a power of two. */
static void *alloc_aligned(size_t align, size_t n) {
    if (align <= ALIGNMENT) return alloc_any(n);
    heap_init();
    size_t size;
    if (!request_block_size(n, &size) || align > MAX_REQUEST) return NULL;
    size_t need = size + align + MIN_BLOCK; /* both terms below 2^63: no overflow */
    if (need > MAX_REQUEST) return NULL;
    if (need >= heap.mmap_threshold) return large_alloc(n, align);
    heap_lock();
    void *p = heap_alloc_aligned(align, size);
    heap_unlock();
    return p;
}

static bool is_power_of_two(size_t x) {
    return x != 0 && (x & (x - 1)) == 0;
}

/* ============================================================================================
 * Public API
 * ============================================================================================
 */

void *malloc(size_t n) {
    void *p = alloc_any(n);
    if (p == NULL) errno = ENOMEM;
    return p;
}

void free(void *p) {
    if (p == NULL) return;
    free_block(user_block(p, "free"));
}

void *calloc(size_t nmemb, size_t size) {
    size_t n;
    if (__builtin_mul_overflow(nmemb, size, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = alloc_any(n);
    if (p == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    if ((payload_block(p)->head & MMAPPED) == 0) memset(p, 0, n); /* fresh mappings are zero */
    return p;
}

/* realloc(p, 0) frees p and returns NULL, like glibc, which the programs run under
 * LD_PRELOAD were written against. A failed realloc leaves p allocated and unchanged. */
void *realloc(void *p, size_t n) {
    if (p == NULL) return malloc(n);
    if (n == 0) {
        free(p);
        return NULL;
    }
    block_t *b = user_block(p, "realloc");
    size_t size;
    if (!request_block_size(n, &size)) {
        errno = ENOMEM;
        return NULL;
    }
    if (b->head & MMAPPED) {
        if (n >= heap.mmap_threshold) {
            void *q = large_resize(b, n);
            if (q == NULL) errno = ENOMEM;
            return q;
        }
    } else {
        heap_lock();
        bool in_place = heap_resize(b, size);
        heap_unlock();
        if (in_place) return p;
    }
    void *q = alloc_any(n);
    if (q == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    size_t keep = block_usable(b);
    memcpy(q, p, keep < n ? keep : n);
    free_block(b);
    return q;
}

int posix_memalign(void **memptr, size_t alignment, size_t n) {
    if (!is_power_of_two(alignment) || alignment % sizeof(void *) != 0) return EINVAL;
    void *p = alloc_aligned(alignment, n);
    if (p == NULL) return ENOMEM;
    *memptr = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t n) {
    if (!is_power_of_two(alignment)) {
        errno = EINVAL;
        return NULL;
    }
    void *p = alloc_aligned(alignment, n);
    if (p == NULL) errno = ENOMEM;
    return p;
}

/* Like glibc, memalign rounds an alignment that is not a power of two up to one. */
void *memalign(size_t alignment, size_t n) {
    if (alignment > MAX_REQUEST) {
        errno = ENOMEM;
        return NULL;
    }
    size_t align = ALIGNMENT;
    while (align < alignment) align <<= 1;
    void *p = alloc_aligned(align, n);
    if (p == NULL) errno = ENOMEM;
    return p;
}

void *valloc(size_t n) {
    heap_init();
    return memalign(heap.page, n);
}

void *pvalloc(size_t n) {
    heap_init();
    if (n > MAX_REQUEST) {
        errno = ENOMEM;
        return NULL;
    }
    return memalign(heap.page, align_up(n, heap.page));
}

size_t malloc_usable_size(void *p) {
    if (p == NULL) return 0;
    return block_usable(user_block(p, "malloc_usable_size"));
}

/* ============================================================================================
 * Heap check
 * ============================================================================================
 */

__attribute__((format(printf, 1, 2))) static int check_failed(const char *fmt, ...) {
    static const char prefix[] = "alloc_check_heap: ";
    char buf[256];
    memcpy(buf, prefix, sizeof prefix - 1);
    size_t len = sizeof prefix - 1, room = sizeof buf - len - 1; /* one byte for the newline */
    va_list ap;
    va_start(ap, fmt);
    int more = vsnprintf(buf + len, room, fmt, ap);
    va_end(ap);
    if (more > 0) len += (size_t)more < room ? (size_t)more : room - 1; /* truncated */
    buf[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, buf, len);
    (void)w;
    return 0;
}

/* Do b and the size in its head lie inside one segment, so that its footer can be read?
 * (Bounds only; the caller checks the tags.) */
static bool block_in_heap(block_t *b) {
    for (segment_t *s = heap.segments; s != NULL; s = s->next) {
        char *first = (char *)segment_first(s), *epilogue = (char *)segment_epilogue(s);
        if ((char *)b >= first && (char *)b < epilogue)
            return block_size(b) >= MIN_BLOCK && block_size(b) <= (size_t)(epilogue - (char *)b);
    }
    return false;
}

static int check_locked(void) {
    size_t free_in_bin[NBINS] = {0}; /* free blocks met by the walk, per bin */

    for (segment_t *s = heap.segments, *prev = NULL; s != NULL; prev = s, s = s->next) {
        if (s->prev != prev)
            return check_failed("segment %p: back link %p, expected %p", (void *)s, (void *)s->prev,
                                (void *)prev);
        if ((uintptr_t)s % ALIGNMENT != 0 || (uintptr_t)s->end % ALIGNMENT != 0 ||
            s->end < (char *)s + SEGMENT_OVERHEAD + MIN_BLOCK)
            return check_failed("segment %p: bad bounds (end %p)", (void *)s, (void *)s->end);
        if (*((size_t *)segment_first(s) - 1) != INUSE)
            return check_failed("segment %p: prologue footer overwritten (0x%zx)", (void *)s,
                                *((size_t *)segment_first(s) - 1));
        block_t *epilogue = segment_epilogue(s);
        bool prev_free = false;
        for (block_t *b = segment_first(s); b != epilogue; b = block_next(b)) {
            size_t size = block_size(b);
            if ((uintptr_t)b % ALIGNMENT != WORD)
                return check_failed("block %p: misaligned (payload not 16-aligned)", (void *)b);
            if ((b->head & FLAG_MASK & ~INUSE) != 0)
                return check_failed("block %p: stray flags in header 0x%zx", (void *)b, b->head);
            if (size < MIN_BLOCK || size > (size_t)((char *)epilogue - (char *)b))
                return check_failed("block %p: size %zu runs outside segment %p", (void *)b, size,
                                    (void *)s);
            if (*block_foot(b) != b->head)
                return check_failed("block %p: header 0x%zx != footer 0x%zx", (void *)b, b->head,
                                    *block_foot(b));
            if (!block_inuse(b)) {
                if (prev_free)
                    return check_failed("block %p: free and adjacent to a free block", (void *)b);
                free_in_bin[bin_index(size)]++;
            }
            prev_free = !block_inuse(b);
        }
        if (epilogue->head != INUSE)
            return check_failed("segment %p: epilogue overwritten (0x%zx)", (void *)s,
                                epilogue->head);
    }

    for (unsigned i = 0; i < NBINS; i++) {
        bool bit = (heap.bitmap[i / 64] >> (i % 64)) & 1;
        if (bit != (heap.bins[i] != NULL))
            return check_failed("bin %u: bitmap bit %d but list %s", i, bit,
                                heap.bins[i] != NULL ? "non-empty" : "empty");
        size_t listed = 0;
        block_t *prev = NULL;
        for (block_t *b = heap.bins[i]; b != NULL; prev = b, b = b->next) {
            if (++listed > free_in_bin[i])
                return check_failed("bin %u: lists more blocks than the heap has free of its "
                                    "sizes (cycle or stray entry at %p)",
                                    i, (void *)b);
            if ((uintptr_t)b % ALIGNMENT != WORD || !block_in_heap(b))
                return check_failed("bin %u: entry %p is not a block of the heap", i, (void *)b);
            if (block_inuse(b)) return check_failed("bin %u: entry %p is in use", i, (void *)b);
            if (*block_foot(b) != b->head)
                return check_failed("bin %u: entry %p: header 0x%zx != footer 0x%zx", i, (void *)b,
                                    b->head, *block_foot(b));
            if (bin_index(block_size(b)) != i)
                return check_failed("bin %u: entry %p of size %zu belongs in bin %u", i, (void *)b,
                                    block_size(b), bin_index(block_size(b)));
            if (b->prev != prev)
                return check_failed("bin %u: entry %p: back link %p, expected %p", i, (void *)b,
                                    (void *)b->prev, (void *)prev);
        }
        if (listed != free_in_bin[i])
            return check_failed("bin %u: %zu free blocks of its sizes in the heap, %zu listed", i,
                                free_in_bin[i], listed);
    }
    return 1;
}

int alloc_check_heap(void) {
    heap_lock();
    int ok = check_locked();
    heap_unlock();
    return ok;
}

/* ---- debugging layer (dmalloc) ---- */
/*
 * The CS61/Yale debugging allocator (SPEC.md §3.2, §3.3; the interface is in dmalloc.h). It sits
 * on the public malloc and free above and knows nothing of their internals.
 *
 * A block handed to the user is one underlying allocation:
 *
 *      +------+------+-------+----------------+------------------------+----------------+
 *      | size | site | check | front canary   | payload (16-aligned)   | rear canary    |
 *      |  8   |  4   |   4   | DM_CANARY      | size bytes             | DM_CANARY      |
 *      +------+------+-------+----------------+------------------------+----------------+
 *      ^ malloc()'s pointer                   ^ payload = raw + DM_FRONT
 *
 * Invariants:
 *   the state of every payload address lives outside the blocks, in bitmaps with two bits per
 *   16-byte granule: ACTIVE while the user owns the block, EVER once it was handed out; a
 *   pointer whose ACTIVE bit is clear is never read through, so a program that copies an old
 *   header back over a freed block cannot make free accept it (EVER && !ACTIVE == double free);
 *   an ACTIVE block's header satisfies check == dm_check_of(payload, size, site), and its
 *   canaries hold dm_canary, until its free; anything else is a wild write;
 *   stats.nactive == number of ACTIVE bits, stats.active_size == sum of their headers' sizes;
 *   sum over dm.sites of bytes == stats.total_size, so the heavy-hitter report is exact;
 *   the underlying free only ever sees a pointer its malloc returned, exactly once.
 * One mutex, dm.lock, guards the bitmaps, the sites and the statistics. They live in memory
 * mapped here, never in the heap under test, and the error reporter formats into a stack
 * buffer, so nothing in this layer allocates through itself. The bitmaps cost 1/64 of the
 * address range the heap spans and are touched next to the blocks they describe, which keeps
 * a free in random order from missing the cache twice.
 */
#define DMALLOC_DISABLE
#include "dmalloc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define DM_CANARY      ((size_t)16)             /* bytes on each side of the payload */
#define DM_FRONT       ((size_t)16 + DM_CANARY) /* header and front canary: keeps the 16-alignment */
#define DM_CHUNK_SHIFT 30                       /* one pair of bitmaps per GiB of address space */
#define DM_CHUNKS      4096 /* directory entries: GiB regions the heap may use */

static const unsigned char dm_canary[DM_CANARY] = {0xde, 0xad, 0xbe, 0xef, 0xa5, 0x5a, 0xc3, 0x3c,
                                                   0x0f, 0xf0, 0x99, 0x66, 0x12, 0x34, 0xfe, 0xed};

typedef struct dm_header {
    size_t size;    /* requested size */
    uint32_t site;  /* index into dm.sites */
    uint32_t check; /* dm_check_of(payload, size, site) */
} dm_header_t;

_Static_assert(sizeof(dm_header_t) + DM_CANARY == DM_FRONT, "header and canary fill the front");

typedef struct dm_site {
    const char *file; /* as the caller passed it (__FILE__) */
    long line;
    unsigned long long bytes; /* successful allocations here, in bytes */
} dm_site_t;

/* Two bits per 16-byte granule of one GiB: bit 2k ACTIVE, bit 2k+1 EVER. */
#define DM_ACTIVE  UINT64_C(1)
#define DM_EVER    UINT64_C(2)
#define DM_WORDS   (((size_t)1 << (DM_CHUNK_SHIFT - 4)) / 32)
#define DM_ACTIVES UINT64_C(0x5555555555555555)

static struct {
    pthread_mutex_t lock;
    uintptr_t chunk_id[DM_CHUNKS]; /* open addressing: (address >> DM_CHUNK_SHIFT) + 1 */
    uint64_t *chunk_bits[DM_CHUNKS];
    size_t chunk_lo[DM_CHUNKS], chunk_hi[DM_CHUNKS]; /* words ever set: [lo, hi) */
    dm_site_t *sites;                                /* dense array, nsites used */
    uint32_t *site_slot; /* open addressing: site index + 1, 0 when empty; load <= 1/2 */
    size_t sites_cap;    /* capacity of both site tables, a power of two */
    size_t nsites;
    dmalloc_statistics stats;
} dm = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The error reporter: one line at a time, formatted on the stack, written with write(2). */
__attribute__((format(printf, 1, 2))) static void dm_say(const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    for (size_t off = 0; off < len;) {
        ssize_t w = write(STDERR_FILENO, buf + off, len - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
}

static void *dm_map(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED) {
        dm_say("dmalloc: cannot map %zu bytes for its tables\n", bytes);
        abort();
    }
    return p;
}

/* Fibonacci hashing: the top bits of the product, as many as cap (a power of two) needs. */
static inline size_t dm_hash(uintptr_t x, size_t cap) {
    return (size_t)((x * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - __builtin_ctzll(cap)));
}

static unsigned long long dm_add_sat(unsigned long long a, unsigned long long b) {
    return a + b < a ? ~0ULL : a + b;
}

static inline uint32_t dm_check_of(uintptr_t p, size_t size, uint32_t site) {
    uint64_t h = (p ^ (size * UINT64_C(0xff51afd7ed558ccd)) ^ site) * UINT64_C(0xc4ceb9fe1a85ec53);
    return (uint32_t)(h >> 32) ^ 0x5bd1e995u;
}

static inline dm_header_t *dm_header(const void *payload) {
    return (dm_header_t *)((uintptr_t)payload - DM_FRONT);
}

/* The directory slot of the GiB holding p, or DM_CHUNKS when it has no bitmap yet (create:
 * make one). Lock held. */
static size_t dm_chunk(uintptr_t p, bool create) {
    uintptr_t id = (p >> DM_CHUNK_SHIFT) + 1;
    size_t i = dm_hash(id, DM_CHUNKS);
    for (size_t n = 0; n < DM_CHUNKS; n++, i = (i + 1) & (DM_CHUNKS - 1)) {
        if (dm.chunk_id[i] == id) return i;
        if (dm.chunk_id[i] == 0) {
            if (!create) return DM_CHUNKS;
            dm.chunk_bits[i] = dm_map(DM_WORDS * sizeof(uint64_t));
            dm.chunk_id[i] = id;
            dm.chunk_lo[i] = DM_WORDS;
            return i;
        }
    }
    if (create) {
        dm_say("dmalloc: the heap spans more than %d GiB regions\n", DM_CHUNKS);
        abort();
    }
    return DM_CHUNKS;
}

/* The two state bits of payload address p (DM_ACTIVE, DM_EVER). Lock held. */
static uint64_t dm_state(uintptr_t p) {
    size_t c = p % 16 == 0 ? dm_chunk(p, false) : DM_CHUNKS;
    if (c == DM_CHUNKS) return 0;
    const uint64_t *bits = dm.chunk_bits[c];
    size_t g = (p & (((uintptr_t)1 << DM_CHUNK_SHIFT) - 1)) >> 4;
    return (bits[g / 32] >> (2 * (g % 32))) & 3;
}

static void dm_set_state(uintptr_t p, uint64_t state) {
    size_t c = dm_chunk(p, true);
    uint64_t *bits = dm.chunk_bits[c];
    size_t g = (p & (((uintptr_t)1 << DM_CHUNK_SHIFT) - 1)) >> 4;
    if (g / 32 < dm.chunk_lo[c]) dm.chunk_lo[c] = g / 32;
    if (g / 32 >= dm.chunk_hi[c]) dm.chunk_hi[c] = g / 32 + 1;
    bits[g / 32] = (bits[g / 32] & ~(UINT64_C(3) << (2 * (g % 32)))) | state << (2 * (g % 32));
}

/* Calls fn on every active payload address, lowest first within each GiB. Lock held. */
static bool dm_each_active(bool (*fn)(uintptr_t p, void *arg), void *arg) {
    for (size_t c = 0; c < DM_CHUNKS; c++) {
        if (dm.chunk_id[c] == 0) continue;
        uintptr_t base = (dm.chunk_id[c] - 1) << DM_CHUNK_SHIFT;
        const uint64_t *bits = dm.chunk_bits[c];
        for (size_t w = dm.chunk_lo[c]; w < dm.chunk_hi[c]; w++) {
            for (uint64_t a = bits[w] & DM_ACTIVES; a; a &= a - 1) {
                size_t g = w * 32 + (size_t)__builtin_ctzll(a) / 2;
                if (fn(base + g * 16, arg)) return true;
            }
        }
    }
    return false;
}

static size_t dm_site_hash(const char *file, long line, size_t cap) {
    return dm_hash((uintptr_t)file ^ ((uintptr_t)line << 40) ^ (uintptr_t)line, cap);
}

static void dm_sites_grow(void) {
    size_t old_cap = dm.sites_cap, cap = old_cap ? old_cap * 2 : 1024;
    dm_site_t *sites = dm_map(cap * sizeof(dm_site_t));
    if (dm.nsites) memcpy(sites, dm.sites, dm.nsites * sizeof(dm_site_t));
    if (dm.sites) munmap(dm.sites, old_cap * sizeof(dm_site_t));
    if (dm.site_slot) munmap(dm.site_slot, old_cap * sizeof(uint32_t));
    dm.sites = sites;
    dm.site_slot = dm_map(cap * sizeof(uint32_t));
    dm.sites_cap = cap;
    for (size_t s = 0; s < dm.nsites; s++) {
        size_t i = dm_site_hash(sites[s].file, sites[s].line, cap);
        while (dm.site_slot[i]) i = (i + 1) & (cap - 1);
        dm.site_slot[i] = (uint32_t)s + 1;
    }
}

/* The index of the site file:line, created on first use. Lock held. */
static uint32_t dm_site(const char *file, long line) {
    if (2 * (dm.nsites + 1) > dm.sites_cap) dm_sites_grow();
    size_t i = dm_site_hash(file, line, dm.sites_cap);
    for (; dm.site_slot[i]; i = (i + 1) & (dm.sites_cap - 1)) {
        dm_site_t *s = &dm.sites[dm.site_slot[i] - 1];
        if (s->line == line && (s->file == file || (s->file && file && !strcmp(s->file, file))))
            return dm.site_slot[i] - 1;
    }
    dm.sites[dm.nsites] = (dm_site_t){file, line, 0};
    dm.site_slot[i] = (uint32_t)dm.nsites + 1;
    return (uint32_t)dm.nsites++;
}

static void dm_count_failure(unsigned long long sz) {
    pthread_mutex_lock(&dm.lock);
    dm.stats.nfail++;
    dm.stats.fail_size = dm_add_sat(dm.stats.fail_size, sz);
    pthread_mutex_unlock(&dm.lock);
}

/* A child forked while another thread held dm.lock would inherit it locked: the handlers take
 * it across fork() and give the child a fresh one, as the heap's do. They are registered at the
 * first allocation, outside dm.lock, since pthread_atfork may itself allocate. */
static atomic_int dm_fork_handlers;
static void dm_fork_prepare(void) {
    pthread_mutex_lock(&dm.lock);
}
static void dm_fork_parent(void) {
    pthread_mutex_unlock(&dm.lock);
}
static void dm_fork_child(void) {
    pthread_mutex_init(&dm.lock, NULL);
}

static void *dm_alloc(size_t sz, const char *file, long line) {
    int unregistered = 0;
    if (atomic_load_explicit(&dm_fork_handlers, memory_order_relaxed) == 0 &&
        atomic_compare_exchange_strong(&dm_fork_handlers, &unregistered, 1))
        pthread_atfork(dm_fork_prepare, dm_fork_parent, dm_fork_child);
    unsigned char *raw =
        sz <= SIZE_MAX - DM_FRONT - DM_CANARY ? malloc(DM_FRONT + sz + DM_CANARY) : NULL;
    if (raw == NULL) {
        dm_count_failure(sz);
        return NULL;
    }
    unsigned char *p = raw + DM_FRONT;
    memcpy(p - DM_CANARY, dm_canary, DM_CANARY);
    memcpy(p + sz, dm_canary, DM_CANARY);
    uintptr_t first = (uintptr_t)p, last = first + (sz ? sz : 1) - 1;

    pthread_mutex_lock(&dm.lock);
    uint32_t site = dm_site(file, line);
    *dm_header(p) = (dm_header_t){sz, site, dm_check_of(first, sz, site)};
    dm_set_state(first, DM_ACTIVE | DM_EVER);
    dm.sites[site].bytes += sz;
    dmalloc_statistics *st = &dm.stats;
    st->nactive++;
    st->active_size += sz;
    st->ntotal++;
    st->total_size += sz;
    if (st->heap_min == 0 || first < st->heap_min) st->heap_min = first;
    if (last > st->heap_max) st->heap_max = last;
    pthread_mutex_unlock(&dm.lock);
    return p;
}

struct dm_inside {
    uintptr_t p, block;
};

static bool dm_contains(uintptr_t block, void *arg) {
    struct dm_inside *in = arg;
    if (block < in->p && in->p - block < dm_header((void *)block)->size) {
        in->block = block;
        return true;
    }
    return false;
}

/* Classifies a pointer that is not an active block, says why, and aborts. Lock held. */
__attribute__((noreturn)) static void dm_invalid(const void *ptr, const char *file, long line,
                                                 const char *op) {
    uintptr_t p = (uintptr_t)ptr;
    if (dm.stats.ntotal == 0 || p < dm.stats.heap_min || p > dm.stats.heap_max) {
        dm_say("MEMORY BUG: %s:%ld: invalid %s of pointer %p, not in heap\n", file, line, op, ptr);
        abort();
    }
    struct dm_inside in = {p, 0};
    if (dm_each_active(dm_contains, &in)) {
        const dm_header_t *h = dm_header((void *)in.block);
        const dm_site_t *s = &dm.sites[h->site];
        dm_say("MEMORY BUG: %s:%ld: invalid %s of pointer %p, not allocated\n", file, line, op,
               ptr);
        dm_say("  %s:%ld: %p is %zu bytes inside a %zu byte region allocated here\n", s->file,
               s->line, ptr, (size_t)(p - in.block), h->size);
        abort();
    }
    dm_say("MEMORY BUG: %s:%ld: invalid %s of pointer %p, %s\n", file, line, op, ptr,
           dm_state(p) & DM_EVER ? "double free" : "not allocated");
    abort();
}

/* The header of the active block ptr after checking it and its canaries; aborts with the error
 * otherwise. Lock held. */
static dm_header_t *dm_check(void *ptr, const char *file, long line, const char *op) {
    if (!(dm_state((uintptr_t)ptr) & DM_ACTIVE)) dm_invalid(ptr, file, line, op);
    dm_header_t *h = dm_header(ptr);
    const unsigned char *p = ptr;
    if (h->check != dm_check_of((uintptr_t)ptr, h->size, h->site) || h->site >= dm.nsites ||
        memcmp(p - DM_CANARY, dm_canary, DM_CANARY) != 0 ||
        memcmp(p + h->size, dm_canary, DM_CANARY) != 0) {
        dm_say("MEMORY BUG: %s:%ld: detected wild write during %s of pointer %p\n", file, line, op,
               ptr);
        abort();
    }
    return h;
}

static void dm_release(void *ptr, const char *file, long line, const char *op) {
    pthread_mutex_lock(&dm.lock);
    dm_header_t *h = dm_check(ptr, file, line, op);
    dm_set_state((uintptr_t)ptr, DM_EVER);
    dm.stats.nactive--;
    dm.stats.active_size -= h->size;
    pthread_mutex_unlock(&dm.lock);
    free((unsigned char *)ptr - DM_FRONT);
}

void *dmalloc_malloc(size_t sz, const char *file, long line) {
    return dm_alloc(sz, file, line);
}

void dmalloc_free(void *ptr, const char *file, long line) {
    if (ptr != NULL) dm_release(ptr, file, line, "free");
}

void *dmalloc_calloc(size_t nmemb, size_t sz, const char *file, long line) {
    size_t n;
    if (__builtin_mul_overflow(nmemb, sz, &n)) {
        dm_count_failure(~0ULL); /* the request cannot even be expressed: counted as the most */
        return NULL;
    }
    void *p = dm_alloc(n, file, line);
    if (p != NULL) memset(p, 0, n);
    return p;
}

/* Checks ptr first, so an invalid one is reported as such even when memory is short; on
 * failure the old block stays allocated and unchanged. */
void *dmalloc_realloc(void *ptr, size_t sz, const char *file, long line) {
    if (ptr == NULL) return dm_alloc(sz, file, line);
    pthread_mutex_lock(&dm.lock);
    size_t old = dm_check(ptr, file, line, "realloc")->size;
    pthread_mutex_unlock(&dm.lock);
    void *moved = dm_alloc(sz, file, line);
    if (moved == NULL) return NULL;
    memcpy(moved, ptr, old < sz ? old : sz);
    dm_release(ptr, file, line, "realloc");
    return moved;
}

void dmalloc_get_statistics(dmalloc_statistics *stats) {
    pthread_mutex_lock(&dm.lock);
    *stats = dm.stats;
    pthread_mutex_unlock(&dm.lock);
}

void dmalloc_print_statistics(void) {
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    printf("alloc count: active %10llu   total %10llu   fail %10llu\n", st.nactive, st.ntotal,
           st.nfail);
    printf("alloc size:  active %10llu   total %10llu   fail %10llu\n", st.active_size,
           st.total_size, st.fail_size);
}

static bool dm_print_leak(uintptr_t p, void *arg) {
    (void)arg;
    const dm_header_t *h = dm_header((void *)p);
    const dm_site_t *s = &dm.sites[h->site < dm.nsites ? h->site : 0];
    printf("LEAK CHECK: %s:%ld: allocated object %p with size %zu\n", s->file, s->line, (void *)p,
           h->size);
    return false;
}

void dmalloc_print_leak_report(void) {
    pthread_mutex_lock(&dm.lock);
    dm_each_active(dm_print_leak, NULL);
    pthread_mutex_unlock(&dm.lock);
}

/* The sites with at least 1/5 of the bytes allocated, largest first; at most `limit` lines.
 * No more than five sites can qualify, so a fixed array holds them. */
static void dm_heavy_hitters(size_t limit) {
    size_t top[5], ntop = 0;
    pthread_mutex_lock(&dm.lock);
    unsigned long long total = dm.stats.total_size;
    for (size_t s = 0; s < dm.nsites && total; s++) {
        if (dm.sites[s].bytes == 0 || dm.sites[s].bytes < total / 5 + (total % 5 != 0)) continue;
        size_t j = ntop++;
        for (; j > 0 && dm.sites[top[j - 1]].bytes < dm.sites[s].bytes; j--) top[j] = top[j - 1];
        top[j] = s;
    }
    for (size_t k = 0; k < ntop && k < limit; k++) {
        const dm_site_t *s = &dm.sites[top[k]];
        printf("HEAVY HITTER: %s:%ld: %llu bytes (~%.1f%%)\n", s->file, s->line, s->bytes,
               100.0 * (double)s->bytes / (double)total);
    }
    pthread_mutex_unlock(&dm.lock);
}

void dmalloc_print_heavy_hitter_report(void) {
    dm_heavy_hitters(5);
}
