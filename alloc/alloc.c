/*
 * alloc.c - the heaplab reference allocator
 * =========================================
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
 *   alloc_check_heap (alloc.h)                  walks the heap and the spans, reports the first
 *                                               broken invariant on stderr, returns 0 if one broke
 *   malloc_stats (malloc.h)                     per size class: blocks, in use, free, requests,
 *                                               frees, and the totals, on stderr
 *   HEAPLAB_HEAP_DUMP=1 in the environment      a heap dump (one line per block or span:
 *                                               address, size, state) on stderr at exit and
 *                                               on every alloc_check_heap()
 *
 * Vital statistics
 *   Alignment:        16 bytes for every payload (alignof(max_align_t)).
 *   Small blocks:     requests up to 2 KiB: 64 size classes (16-byte steps to 512, then
 *                     sixteen per power of two), no per-block header; at most 1/16 rounding
 *                     waste.
 *   Medium blocks:    16 bytes of boundary tags per block, minimum 32 bytes.
 *   Largest request:  PTRDIFF_MAX - 16 MiB; larger ones fail with ENOMEM before any arithmetic.
 *   malloc(0):        a unique pointer to a 16-byte block.
 *   realloc(p, 0):    frees p and returns NULL, as glibc does (p != NULL).
 *   Failure:          NULL with errno = ENOMEM (posix_memalign returns the code instead);
 *                     free() never changes errno.
 *   Thread safety:    small blocks come from per-thread heaps with no lock on the fast path;
 *                     a block freed by another thread goes back through an atomic list of its
 *                     span; medium blocks, spans and large-block bookkeeping share one mutex,
 *                     not taken while the process has a single thread (as in glibc); each
 *                     thread keeps a few medium blocks it freed (up to 256 KiB) for its next
 *                     requests, without the mutex.
 *   Fork safety:      pthread_atfork handlers take the mutex across fork(), so the child
 *                     finds the heap consistent and unlocked.
 *
 * Overview of the algorithm
 *   Three tiers, by request size n:
 *
 *   small  (n <= 2 KiB)  Each thread has a heap (thread-local pointer) holding, per size class,
 *                        a current span and a list of spans with free blocks. Spans are runs
 *                        of 4 KiB pages in 32 KiB regions (32 KiB-aligned blocks carved from
 *                        the medium heap, owned by one thread heap); a class's first span is a
 *                        page (four for blocks of up to 64 bytes, which a program takes by
 *                        the thousand), and each two more it holds double the next one, up to the
 *                        region (or half that, where only such a run is free in the regions
 *                        it holds), so that a program using a few blocks of many sizes holds a
 *                        few pages each. malloc pops the current span's free list (refilled
 *                        from never-used space a page at a time), free pushes onto it. A
 *                        one-bit-per-region span map tells free() that a pointer is in a
 *                        region, whose header maps the page to its span. Frees from another
 *                        thread push onto the span's atomic thread_free stack, and the first
 *                        such push queues the span on its heap's atomic remote list, which the
 *                        owner drains in its slow path. An empty span gives its pages back to
 *                        its region; empty regions wait on their heap (4 of them), then return
 *                        to the medium heap, where they coalesce with their neighbours; they
 *                        are given back before the medium heap grows. An exiting thread's heap
 *                        is orphaned and adopted whole by the next new thread.
 *   medium (n < mmap threshold)  The boundary-tag heap: one or more contiguous segments,
 *                        normally a single one grown with sbrk (mmap'd when sbrk fails), blocks
 *                        with size and in-use bit at both ends (Knuth), immediate coalescing,
 *                        segregated free lists with a bitmap, top trimming with a negative sbrk
 *                        (its threshold doubling each time the heap grows again after a trim,
 *                        as a heap that breathes would pay a page fault per page each time),
 *                        and madvise(MADV_DONTNEED) of free holes inside as large as that.
 *                        It grows only when no free block fits: realloc moves a block that
 *                        ends the heap into one that does rather than extend the heap, and a
 *                        new region takes the top, grown by what its alignment needs.
 *                        A thread's heap keeps medium blocks of 2 to 32 KiB that the thread
 *                        frees, up to 256 KiB, for its next requests of their sizes: threads
 *                        trading such blocks meet at the mutex far less often.
 *   large  (n >= mmap threshold, 128 KiB)  A private mapping each, resized with mremap.
 *                        Freed mappings are cached, up to as many bytes as are live in large
 *                        blocks (8 MiB at least): a request takes the best fit, cut to length,
 *                        or extends the longest shorter one with mremap, so a program cycling
 *                        through big buffers reuses resident memory without system calls or
 *                        page faults, as glibc's rising mmap threshold reuses its heap. realloc
 *                        moves a block growing past 64 KiB to a mapping, with the room its
 *                        cached range has (up to 8 MiB), so later growth is in place or
 *                        mremap's page moves instead of copies.
 *
 * Sections, low level to high: configuration; block layout; bins; heap state, locking and
 * initialisation; system memory; free lists; heap allocation and coalescing; large blocks;
 * size classes; regions, spans and the span map; thread heaps; allocation paths; aligned family; public
 * API; heap check; heap report and dump. Each states its invariants where its types are. The
 * lock type and the reporter are in internal.h, shared with the reference debugging layer
 * (dmalloc.h's interface), which is dmalloc.c beside this file, built on base_malloc.
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
 *                                                           (decimal digits only: bytes)
 *                                                           overrides it, and then realloc
 *                                                           maps nothing smaller; requests
 *                                                           of up to 2 KiB stay in spans
 *   HEAP_GROW_MIN                                 32 KiB    smallest sbrk growth
 *   HEAP_MMAP_SEGMENT_MIN                         1 MiB     smallest mmap'd heap segment
 *   TRIM_THRESHOLD                                256 KiB   a free top block this large is
 *                                                           trimmed down to HEAP_GROW_MIN;
 *                                                           doubles when the heap grows
 *                                                           again after a trim
 *   TRIM_THRESHOLD_MAX                            64 MiB    ... up to this
 *   RELEASE_THRESHOLD                             1 MiB     a free block this large inside
 *                                                           the heap (and as large as the
 *                                                           trim threshold) gives its pages
 *                                                           back
 *   REGION_SHIFT                                  15        log2 of the region size: the
 *                                                           largest span
 *   EMPTY_CACHE                                   4         empty regions a thread heap keeps
 *   MCACHE_BYTES                                  256 KiB   freed medium blocks of 2 to 32 KiB
 *                                                           a thread heap keeps (0: none)
 *   FIRST_BLOCKS                                  2         blocks a class's first span holds
 *                                                           at least
 *   TINY_MAX, TINY_PAGES                          16, 4     classes of up to TINY_MAX bytes
 *                                                           start with spans of TINY_PAGES
 *   LARGE_CACHE_SHARE                             1         freed mappings kept: up to the
 *                                                           live large bytes over this
 *   REALLOC_MAP_MIN                               64 KiB    realloc growing past this maps
 *   SMALL_MAX                                     2 KiB     requests up to this are small
 *                                                           blocks; a multiple of 16, at
 *                                                           most 2048 (checked)
 *
 * Checks
 *   Cheap ones always on, for every pointer given to free, realloc or malloc_usable_size. Each
 *   failure aborts after one line on stderr, "heaplab alloc: free(0x...): WHAT" (or realloc,
 *   or malloc_usable_size), WHAT being:
 *     small blocks (in a span, small_block() and small_check()):
 *       "corrupted span header"                          the span's magic number is gone;
 *       "invalid pointer (not a block of its span)"      not the start of one of its blocks;
 *       "invalid pointer (never allocated)"              a block past all the span has handed
 *                                                        out;
 *       "block not in use (double free or invalid pointer)"  the block is free: a freed
 *                                                        block holds its span's key (random
 *                                                        per process) in its second word, and
 *                                                        malloc clears it; the owning thread
 *                                                        confirms a key on the span's free
 *                                                        lists, another thread trusts it;
 *     medium and large blocks (user_block()):
 *       "invalid pointer (misaligned)", "block not in use (double free or invalid pointer)"
 *       (in-use bit clear), "corrupted block header", "corrupted large block header",
 *       "block footer disagrees with header (overflow past the block?)".
 *   So a second free of a block is caught whichever thread made each free, once the first
 *   one happened before the second; not caught: two frees racing in different threads, a
 *   second free after the block was allocated again (then it frees a live block), or one
 *   after a write to the freed block overwrote its key. The full walk is
 *   alloc_check_heap(), which reports instead of aborting, and also finds a free small
 *   block whose key was overwritten (a write after free).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sbrk, mremap, MAP_ANONYMOUS under -std=c11 */
#endif

#include "alloc.h"
#include "internal.h"

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
#include <sys/auxv.h>
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
#define HEAP_GROW_MIN (32 * 1024)
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

/* A free block this large that cannot be trimmed (it is not at the top) gives its pages back
 * with madvise, so that a long-running program whose heap emptied in the middle (spans fallen
 * free between live ones) does not keep that memory resident. */
#ifndef RELEASE_THRESHOLD
#define RELEASE_THRESHOLD ((size_t)1 << 20)
#endif

/* The trim threshold rises to at most this in a program whose heap shrinks and grows again. */
#ifndef TRIM_THRESHOLD_MAX
#define TRIM_THRESHOLD_MAX ((size_t)64 << 20)
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
#define DIRTY     ((size_t)4)  /* a large block whose mapping was reused: not known zero */
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

/* The heap's lock is internal.h's lock_t: a mutex not taken while the process is single-threaded. */
static struct {
    lock_t lock;                   /* guards every field below but page and mmap_threshold */
    block_t *bins[NBINS];          /* heads of the free lists; NULL-terminated, doubly linked */
    uint64_t bitmap[BITMAP_WORDS]; /* bit i set <=> bins[i] != NULL */
    segment_t *segments;           /* every heap segment, newest first */
    segment_t *sbrk_seg;           /* the segment whose end was the program break after our last
                                      sbrk: the only one that can grow in place or be trimmed */
    size_t page;                   /* written once by heap_init, read-only after heap_ready */
    size_t mmap_threshold;         /* written once by heap_init, like page */
    size_t trim_threshold;         /* from TRIM_THRESHOLD, doubled each time the heap grows
                                      again after a trim, up to TRIM_THRESHOLD_MAX */
    bool trimmed;                  /* the last change of the program break was a trim */
    bool threshold_fixed;          /* HEAPLAB_MMAP_THRESHOLD was given: realloc maps nothing
                                      smaller either */
} heap = {.lock = LOCK_INITIALIZER};

static atomic_bool heap_ready;   /* page and mmap_threshold are set (release/acquire) */
static uintptr_t key_secret;     /* written once by heap_init, like page: see span_t.key */
static atomic_int fork_handlers; /* 0: not registered, 1: registering or registered */

static void heap_lock(void) {
    lock_take(&heap.lock);
}

static void heap_unlock(void) {
    lock_give(&heap.lock);
}

/* Holding the lock across fork() means no other thread is half-way through changing the
 * heap at the moment the child's copy is taken. */
static void fork_prepare(void) {
    pthread_mutex_lock(&heap.lock.mutex);
}

static void fork_parent(void) {
    pthread_mutex_unlock(&heap.lock.mutex);
}

/* The child is single-threaded: a fresh mutex is correct whoever owned the old one. */
static void fork_child(void) {
    pthread_mutex_init(&heap.lock.mutex, NULL);
}

/* Reads HEAPLAB_MMAP_THRESHOLD without allocating into *threshold, and says whether it was
 * given: anything but plain decimal digits is not, and values beyond MAX_REQUEST saturate. */
static bool threshold_from_env(size_t *threshold) {
    const char *s = getenv("HEAPLAB_MMAP_THRESHOLD");
    if (s == NULL || *s == '\0') return false;
    size_t v = 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') return false;
        v = v <= MAX_REQUEST / 10 ? v * 10 + (size_t)(*s - '0') : MAX_REQUEST;
    }
    *threshold = v < MAX_REQUEST ? v : MAX_REQUEST;
    return true;
}

/* The kernel's random bytes for this process (AT_RANDOM), read without a system call; the
 * address of a static, which ASLR moves, when there are none. */
static uintptr_t random_word(void) {
    const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
    uintptr_t w = (uintptr_t)&key_secret;
    if (r != NULL) memcpy(&w, r + sizeof w, sizeof w);
    return w;
}

static void classes_init(void);
static void heap_abandon(void *arg);
static pthread_key_t heap_key;
static atomic_bool heap_key_ok;

static void heap_init_slow(void) {
    heap_lock();
    if (!atomic_load_explicit(&heap_ready, memory_order_relaxed)) {
        long page = sysconf(_SC_PAGESIZE);
        heap.page = page > 0 ? (size_t)page : 4096;
        heap.mmap_threshold = MMAP_THRESHOLD_DEFAULT;
        heap.trim_threshold = TRIM_THRESHOLD;
        heap.threshold_fixed = threshold_from_env(&heap.mmap_threshold);
        key_secret = random_word();
        classes_init();
        atomic_store_explicit(&heap_ready, true, memory_order_release);
    }
    heap_unlock();
    /* pthread_atfork may itself call malloc, so it runs with the lock released, after the heap
     * is usable, and the exchange keeps that nested malloc from registering a second time.
     * Registering at the first allocation puts our handlers before those of libraries
     * initialised later; their prepare handlers, which run first, may still allocate. */
    int expected = 0;
    if (atomic_compare_exchange_strong(&fork_handlers, &expected, 1)) {
        pthread_atfork(fork_prepare, fork_parent, fork_child);
        if (pthread_key_create(&heap_key, heap_abandon) == 0) atomic_store(&heap_key_ok, true);
    }
}

static inline size_t mmap_threshold(void) {
    return heap.mmap_threshold;
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

/* Fresh zeroed pages: anywhere (at NULL), or at exactly at, if nothing is mapped there. */
static char *sys_mmap_at(char *at, size_t len) {
    int saved = errno;
    int fixed = at != NULL ? MAP_FIXED_NOREPLACE : 0;
    void *p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | fixed, -1, 0);
    if (p != MAP_FAILED && at != NULL && p != at) { /* a kernel before 4.17 took at as a hint */
        munmap(p, len);
        p = MAP_FAILED;
    }
    errno = saved;
    return p == MAP_FAILED ? NULL : p;
}

static char *sys_mmap(size_t len) {
    return sys_mmap_at(NULL, len);
}

static void sys_munmap(void *p, size_t len) {
    int saved = errno;
    munmap(p, len);
    errno = saved;
}

static void sys_madvise_dontneed(void *p, size_t len) {
    int saved = errno;
    madvise(p, len, MADV_DONTNEED);
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

/* A free block of at least size bytes, or NULL. The request's own bin may hold smaller blocks
 * (ranged bins), so it is searched; any block of a later bin fits. */
static block_t *bin_find(size_t size) {
    unsigned i = bin_index(size);
    for (block_t *b = heap.bins[i]; b != NULL; b = b->next)
        if (block_size(b) >= size) return b;
    unsigned j = bin_next_nonempty(i + 1);
    return j == NBINS ? NULL : heap.bins[j];
}

/* bin_find's block, unlinked. */
static block_t *bin_take(size_t size) {
    block_t *b = bin_find(size);
    if (b != NULL) bin_remove(b);
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
            /* Growing right after a trim: the heap breathes, and giving the top back only to
             * take it again costs a system call and a page fault per page each time. */
            if (heap.trimmed && heap.trim_threshold < TRIM_THRESHOLD_MAX) heap.trim_threshold *= 2;
            heap.trimmed = false;
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
    if (size < heap.trim_threshold) return;
    size_t release = align_down(size - HEAP_GROW_MIN, heap.page);
    if (sys_sbrk(0) != s->end || sys_sbrk(-(intptr_t)release) == NULL) return;
    bin_remove(top);
    s->end -= release;
    segment_epilogue(s)->head = INUSE;
    block_set(top, size - release, 0);
    bin_insert(top);
    heap.trimmed = true;
}

/* Unmaps a mapped segment that b, a free block just binned, covers whole. The newest segment
 * stays, so that a program allocating and freeing one block does not map and unmap a segment
 * each time. */
static bool segment_release(block_t *b) {
    segment_t *s = (segment_t *)((char *)b - WORD - sizeof(segment_t));
    if (!s->mapped || s == heap.segments) return false;
    bin_remove(b);
    s->prev->next = s->next; /* s is not the list head, so it has a prev */
    if (s->next != NULL) s->next->prev = s->prev;
    sys_munmap(s, (size_t)(s->end - (char *)s));
    return true;
}

/* Gives memory back to the system around b, a free block just binned whose pages in [lo, hi)
 * may be resident: trims the top, unmaps a whole mapped segment, or releases the pages. The
 * head, links and footer of b stay, with the pages that hold them. */
static void heap_release(block_t *b, char *lo, char *hi) {
    if (at_sbrk_top(block_next(b))) {
        heap_trim(b);
        return;
    }
    /* only sentinels have size 0: b spans its segment */
    if (*block_prev_foot(b) == INUSE && block_next(b)->head == INUSE && segment_release(b)) return;
    if (block_size(b) < RELEASE_THRESHOLD || block_size(b) < heap.trim_threshold) return;
    uintptr_t from =
        align_up((uintptr_t)(lo > (char *)b + 4 * WORD ? lo : (char *)b + 4 * WORD), heap.page);
    char *end = (char *)block_foot(b);
    uintptr_t to = align_down((uintptr_t)(hi < end ? hi : end), heap.page);
    if (to > from) sys_madvise_dontneed((void *)from, to - from);
}

/* Returns the payload of an in-use block of at least size bytes, or NULL. */
static void theap_flush_locked(void);

static void *heap_alloc(size_t size) {
    block_t *b = bin_take(size);
    if (b == NULL) {
        theap_flush_locked(); /* what the calling thread's heap holds unused, before growing */
        b = bin_take(size);
    }
    if (b == NULL) {
        if (!heap_grow(size)) return NULL;
        b = bin_take(size);
    }
    block_set(b, block_size(b), INUSE);
    block_shrink(b, size);
    return block_payload(b);
}

static void heap_free(block_t *b) {
    /* The pages that may be resident: b's, and those of free neighbours too small to have
     * given theirs back when they fell free. */
    char *lo = (char *)b, *hi = (char *)b + block_size(b);
    block_t *next = block_next(b);
    if (!block_inuse(next) && block_size(next) < RELEASE_THRESHOLD) hi += block_size(next);
    size_t prev_foot = *block_prev_foot(b);
    if ((prev_foot & INUSE) == 0 && prev_foot < RELEASE_THRESHOLD) lo -= prev_foot;
    b->head = block_size(b); /* free; coalesce writes the footer of what b becomes */
    heap_release(coalesce(b), lo, hi);
}

/* The size b can grow to in place: its own and a free successor's. */
static size_t room_in_place(block_t *b) {
    block_t *next = block_next(b);
    return block_size(b) + (block_inuse(next) ? 0 : block_size(next));
}

/* Does the block (or free successor) b end the sbrk segment, so that sbrk can extend it? */
static bool ends_sbrk(block_t *b) {
    block_t *next = block_next(b);
    return at_sbrk_top(block_inuse(next) ? next : block_next(next));
}

/* Resizes an in-use block to size bytes without moving it: shrinking splits; growing absorbs
 * a free successor, extending the sbrk segment when the block reaches its top, unless the
 * heap has a free block of move bytes, the size realloc moves it to (0: it would not move
 * within the heap). Growing the heap then would leave that room unused: espresso's blocks,
 * grown by realloc at the top while 200 KB lay free below, made its heap 1.5x glibc's. */
static bool heap_resize(block_t *b, size_t size, size_t move) {
    size_t old = block_size(b);
    if (old >= size) {
        block_shrink(b, size);
        return true;
    }
    size_t avail = room_in_place(b);
    if (avail < size && ends_sbrk(b)) {
        theap_flush_locked(); /* what it gives back may be b's neighbour, or room to move to */
        avail = room_in_place(b);
    }
    if (avail < size && ends_sbrk(b)) {
        if ((move != 0 && bin_find(move) != NULL) || !heap_grow(size - avail)) return false;
        avail = room_in_place(b); /* the extension merged into the successor, or is it now */
    }
    if (avail < size) return false;
    block_t *next = block_next(b);
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
 * Each large block has a mapping of its own. Freed mappings are kept in a cache, not
 * unmapped, because a program that cycles through big buffers would otherwise pay an mmap, a
 * munmap and a page fault per page on every cycle: the kernel, not the allocator, would be
 * most of its time (glibc avoids this by raising its mmap threshold, so that such blocks come
 * from its heap). The cache is bounded by bytes, LARGE_CACHE_MIN or the bytes live in large
 * blocks over LARGE_CACHE_SHARE, whichever is more, so that what it holds back stays in
 * proportion to what the program uses (a bound of a quarter left mimalloc-bench's
 * malloc-large, 20 live blocks of 5 to 25 MiB, with three times glibc's page faults; the live
 * bytes themselves, with fewer than half of glibc's at glibc's peak RSS); past the bound the
 * oldest entries are unmapped, and an entry longer than the bound is never kept.
 * Invariants: the cache's entries are disjoint page-aligned ranges, each inside one of our
 * mappings and in no block; total is the sum of their lengths; large_live is the sum of the
 * mapping lengths of live large blocks. All guarded by the lock; the system calls are made
 * without it.
 */

static inline size_t large_offset(block_t *b) {
    return *block_prev_foot(b);
}

static inline size_t large_usable(block_t *b) {
    return block_size(b) - large_offset(b) - WORD;
}

#define LARGE_CACHE_SLOTS 32
#define LARGE_CACHE_MIN   ((size_t)8 << 20)
#ifndef LARGE_CACHE_SHARE
#define LARGE_CACHE_SHARE 1
#endif

static struct {
    char *base[LARGE_CACHE_SLOTS];
    size_t len[LARGE_CACHE_SLOTS];
    unsigned n;   /* entries [0, n) are used, oldest first */
    size_t total; /* sum of their lengths */
} large_cache;

static size_t large_live;

static void large_cache_remove(unsigned i) {
    large_cache.total -= large_cache.len[i];
    large_cache.n--;
    for (; i < large_cache.n; i++) {
        large_cache.base[i] = large_cache.base[i + 1];
        large_cache.len[i] = large_cache.len[i + 1];
    }
}

/* Takes len bytes from the front of entry i, which holds at least that many: the entry goes
 * when nothing is left of it. */
static void large_cache_cut(unsigned i, size_t len) {
    if (len == large_cache.len[i]) {
        large_cache_remove(i);
        return;
    }
    large_cache.base[i] += len;
    large_cache.len[i] -= len;
    large_cache.total -= len;
}

/* Adds [base, base + len) to the cache, merged into the entries it touches (the merged range
 * keeps the older entry's place in the age order). */
static void large_cache_insert(char *base, size_t len) {
    unsigned into = LARGE_CACHE_SLOTS;
    for (unsigned i = 0; i < large_cache.n; i++) {
        if (large_cache.base[i] + large_cache.len[i] != base && base + len != large_cache.base[i])
            continue;
        if (large_cache.base[i] < base) base = large_cache.base[i];
        len += large_cache.len[i];
        if (into == LARGE_CACHE_SLOTS) {
            into = i; /* the first match: later removals leave its index alone */
            large_cache.total -= large_cache.len[i];
        } else {
            large_cache_remove(i--);
        }
    }
    if (into == LARGE_CACHE_SLOTS) into = large_cache.n++;
    large_cache.base[into] = base;
    large_cache.len[into] = len;
    large_cache.total += len;
}

/* A block that realloc moves to a mapping gets up to this much room in it for its growth. */
#define LARGE_ROOM ((size_t)8 << 20)

/* A mapping of len bytes from the cache, or NULL; *got is its length. The best fit is taken,
 * and the part of it past len stays cached (a mapping's pages can be unmapped piecewise, so a
 * range of one splits at no cost), unless room is asked for: then up to LARGE_ROOM of it goes
 * with the block. With no entry long enough, the longest one of at least half of len is
 * extended with mremap, which moves page tables rather than bytes, so that only the added
 * pages are new. */
static char *large_cache_take(size_t len, bool room, size_t *got) {
    heap_lock();
    unsigned best = LARGE_CACHE_SLOTS, longest = LARGE_CACHE_SLOTS;
    for (unsigned i = 0; i < large_cache.n; i++) {
        size_t l = large_cache.len[i];
        if (l >= len && (best == LARGE_CACHE_SLOTS || l < large_cache.len[best])) best = i;
        if (l < len && (longest == LARGE_CACHE_SLOTS || l > large_cache.len[longest])) longest = i;
    }
    char *base = NULL;
    size_t short_len = 0;
    if (best != LARGE_CACHE_SLOTS) {
        base = large_cache.base[best];
        size_t roomy = large_cache.len[best] < LARGE_ROOM ? large_cache.len[best] : LARGE_ROOM;
        if (room && roomy > len) len = roomy;
        large_cache_cut(best, len);
    } else if (longest != LARGE_CACHE_SLOTS && large_cache.len[longest] >= len / 2) {
        base = large_cache.base[longest];
        short_len = large_cache.len[longest];
        large_cache_remove(longest);
    }
    if (base != NULL) large_live += len;
    heap_unlock();
    *got = len;
    if (short_len != 0) {
        /* mremap fails when the entry was merged from neighbours the kernel keeps apart (each
         * has pages of its own): then the pages just past it are mapped, if they are free. Else
         * the entry goes back, to serve shorter requests, and a fresh mapping serves this one. */
        char *grown = sys_mremap(base, short_len, len);
        if (grown == NULL && sys_mmap_at(base + short_len, len - short_len) != NULL) grown = base;
        if (grown == NULL) {
            heap_lock();
            large_live -= len;
            large_cache_insert(base, short_len);
            heap_unlock();
        }
        base = grown;
    }
    return base;
}

/* Maps a block whose payload holds n bytes at a multiple of align (a power of two >= 16), with
 * room to grow in place when room is asked for. */
static void *large_alloc(size_t n, size_t align, bool room) {
    if (n < ALIGNMENT) n = ALIGNMENT; /* keeps the payload inside the mapping */
    size_t raw_len;
    if (__builtin_add_overflow(n, align, &raw_len) || raw_len > MAX_REQUEST) return NULL;
    /* The payload lands at most align bytes past the page-aligned start, and at least the
     * offset word and the header (16 bytes) past it. */
    raw_len = align_up(raw_len, heap.page);
    if (align == ALIGNMENT) {
        size_t len;
        char *base = large_cache_take(align_up(n + 2 * WORD, heap.page), room, &len);
        if (base != NULL) {
            block_t *b = (block_t *)(base + WORD);
            *block_prev_foot(b) = WORD;
            b->head = len | MMAPPED | DIRTY | INUSE;
            return block_payload(b);
        }
    }
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
    heap_lock();
    large_live += (size_t)(end - base);
    heap_unlock();
    return payload;
}

/* realloc moves a block that grows to this size into a mapping of its own. */
#ifndef REALLOC_MAP_MIN
#define REALLOC_MAP_MIN ((size_t)64 << 10)
#endif

/* Puts [base, base + len), which was part of a live large block until now, in the cache, or
 * unmaps it; the oldest entries leave when the cache outgrows its bound. */
static void large_release(char *base, size_t len) {
    char *out_base[LARGE_CACHE_SLOTS + 1];
    size_t out_len[LARGE_CACHE_SLOTS + 1];
    unsigned out = 0;
    heap_lock();
    large_live -= len;
    size_t bound = large_live / LARGE_CACHE_SHARE > LARGE_CACHE_MIN ? large_live / LARGE_CACHE_SHARE
                                                                    : LARGE_CACHE_MIN;
    /* The bound falls with the live bytes: the cache is trimmed to it even when this range is
       not kept, or a program that frees its last big block would keep what its earlier ones
       left behind. */
    size_t kept = len <= bound ? len : 0;
    while (large_cache.n > 0 &&
           ((kept && large_cache.n == LARGE_CACHE_SLOTS) || large_cache.total + kept > bound)) {
        out_base[out] = large_cache.base[0];
        out_len[out++] = large_cache.len[0];
        large_cache_remove(0);
    }
    if (kept) {
        large_cache_insert(base, len);
    } else {
        out_base[out] = base;
        out_len[out++] = len;
    }
    heap_unlock();
    for (unsigned i = 0; i < out; i++) sys_munmap(out_base[i], out_len[i]);
}

static void large_free(block_t *b) {
    char *base = (char *)b - large_offset(b);
    size_t len = block_size(b);
    large_release(base, len);
}

/* Takes want bytes (or all it has, if at least need) from the cached range that starts at end,
 * where a large block ends: the block grows into memory it touches, without a system call. A
 * block cut from a cached range finds the rest of it there. Returns the bytes taken, or 0. */
static size_t large_cache_absorb(char *end, size_t need, size_t want) {
    size_t got = 0;
    heap_lock();
    for (unsigned i = 0; i < large_cache.n; i++) {
        if (large_cache.base[i] != end) continue;
        if (large_cache.len[i] >= need) {
            got = large_cache.len[i] < want ? large_cache.len[i] : want;
            large_cache_cut(i, got);
            large_live += got;
        }
        break;
    }
    heap_unlock();
    return got;
}

/* A block growing past this many bytes gets an eighth more than asked, for the next growth. */
#define LARGE_GROW_ROOM_MAX ((size_t)64 << 20)

/* mremap keeps the offset within the mapping, so the payload stays 16-aligned (a larger
 * alignment asked of memalign is not kept, which realloc does not promise). A block keeps the
 * room it has, up to LARGE_ROOM; a larger one that shrinks to less than half gives its tail to
 * the cache. */
static void *large_resize(block_t *b, size_t n) {
    size_t off = large_offset(b);
    size_t len = align_up(off + WORD + n, heap.page), old = block_size(b);
    if (len <= old && (len >= old / 2 || old <= LARGE_ROOM)) return block_payload(b);
    size_t dirty = b->head & DIRTY;
    char *base = (char *)b - off;
    if (len < old) {
        b->head = len | dirty | MMAPPED | INUSE;
        large_release(base + len, old - len);
        return block_payload(b);
    }
    size_t want = len < LARGE_GROW_ROOM_MAX ? align_up(len + len / 8, heap.page) : len;
    size_t got = large_cache_absorb(base + old, len - old, want - old);
    if (got != 0) {
        b->head = (old + got) | dirty | MMAPPED | INUSE;
        return block_payload(b);
    }
    len = want;
    base = sys_mremap(base, old, len);
    if (base == NULL) return NULL;
    heap_lock();
    large_live += len - old;
    heap_unlock();
    block_t *nb = (block_t *)(base + off);
    nb->head = len | dirty | MMAPPED | INUSE;
    return block_payload(nb);
}

/* ============================================================================================
 * Size classes
 * ============================================================================================
 *
 * Requests up to SMALL_MAX bytes are rounded up to one of NCLASSES block sizes: every multiple
 * of 16 up to 512, then sixteen sizes per power of two. Invariants: class_size[c] % 16 == 0,
 * class_size is increasing, and class_of(n) is the smallest c with class_size[c] >= n. The
 * worst internal waste is a sixteenth of the block (above 512 bytes) or 15 bytes (below),
 * which keeps a long-lived heap of mixed sizes close to what a best-fit allocator holds.
 */

#define NCLASSES 64
/* Requests up to SMALL_MAX (a multiple of 16, at most 2048) are small blocks. */
#ifndef SMALL_MAX
#define SMALL_MAX ((size_t)2048)
#endif
_Static_assert(SMALL_MAX <= 2048, "SMALL_MAX above 2048, the largest size class");
_Static_assert(SMALL_MAX % 16 == 0, "SMALL_MAX not a multiple of 16: class_of() would read past "
                                    "class_index[]");

static const uint32_t class_size[NCLASSES] = {
    16,   32,   48,   64,   80,   96,   112,  128,  144,  160,  176,  192,  208,  224,  240,  256,
    272,  288,  304,  320,  336,  352,  368,  384,  400,  416,  432,  448,  464,  480,  496,  512,
    544,  576,  608,  640,  672,  704,  736,  768,  800,  832,  864,  896,  928,  960,  992,  1024,
    1088, 1152, 1216, 1280, 1344, 1408, 1472, 1536, 1600, 1664, 1728, 1792, 1856, 1920, 1984, 2048,
};

/* class_index[(n + 15) / 16] is the class of a request of n <= SMALL_MAX bytes. */
static uint8_t class_index[SMALL_MAX / 16 + 1];

static void classes_init(void) {
    unsigned c = 0;
    for (size_t i = 0; i <= SMALL_MAX / 16; i++) {
        while (class_size[c] < i * 16) c++;
        class_index[i] = (uint8_t)c;
    }
}

static inline unsigned class_of(size_t n) {
    return class_index[(n + 15) >> 4];
}

/* ============================================================================================
 * Regions, spans and the span map
 * ============================================================================================
 *
 * A region is REGION_SIZE bytes at a REGION_SIZE-aligned address, carved as one in-use block
 * of the boundary-tag heap (its block header sits 8 bytes before it, its footer in its last 16
 * bytes), owned by one thread heap, and cut into REGION_PAGES pages. A span is a run of pages
 * (a power of two of them, starting at a multiple of its length) holding blocks of one size
 * class; its descriptor (span_t) is at the start of its first page, after as many bytes as
 * the region's own fields take at the start of page 0, so that one formula finds either:
 *
 *      region (32 KiB aligned)
 *      v
 *      +--------+------+---------+--------+------+---------+--------+------+-------------+-----+
 *      | region | span | blocks  | unused | span | blocks  | unused | span | blocks ...  |foot |
 *      | fields | desc |         | 64     | desc |         | 64     | desc | (pages 2-3) |     |
 *      +--------+------+---------+--------+------+---------+--------+------+-------------+-----+
 *      <- page 0: a span ---------><- page 1: a span ---------><- pages 2-3: a span ---------->
 *
 * A class's first span is small (a page; four for 16-byte blocks, see span_pages_first), so
 * that a program using a few blocks of many sizes holds a few pages each; each further span of
 * the class a heap holds is larger, up to the whole region, so that a busy class takes its slow
 * path rarely; but a run half as long free in a region the heap holds is taken before a new
 * region (whose pages the medium heap, fragmented, may only give by growing, while the free run
 * stays resident unused). Regions are small too because the heap holds them whole, used pages
 * or not. Over make perf's traces the mean utilization was 0.74 with 64 KiB regions
 * (descriptors in a region header), 0.82 with 16 KiB ones and 0.79 with 32 KiB ones, 32 KiB
 * sbrk steps and first spans of two blocks (glibc: 0.78); but a span holds its blocks and a
 * descriptor and a tail too short for a block, so 16 KiB spans of 1-2 KiB blocks cost 11% of
 * peak RSS over glibc's on make bench's frag, 32 KiB ones 9.5%.
 *
 * Invariants of a region r: bit i of r->free_pages is set exactly when page i belongs to no
 * span, and then r->first[i] == NO_SPAN; a page i in a span belongs to the span starting at
 * page r->first[i], whose descriptor is span_at(r, r->first[i]); bit (r >> REGION_SHIFT) of the span map is set exactly while r is a live
 * region. Only the owner changes a region's pages.
 * Invariants of a span s of class c (owner fields written by the owner only; other threads
 * read magic, heap, data, end, bsize, recip and key, which do not change while they hold a
 * block of s, and bump, which then only grows):
 *   used == blocks handed out - blocks on the local free list - blocks collected from remote,
 *   so used - |thread_free| == blocks the program holds;
 *   |free| + (end - bump) / bsize + used == capacity;
 *   every block on free or thread_free holds key in its second word, and malloc clears that
 *   word as it hands a block out, so a block the program holds has the key only if the
 *   program wrote it there (key is the span's address mixed with random bits).
 * The fields the fast paths read fill the descriptor's first cache line. thread_free is a
 * stack of blocks freed by other threads, pushed with CAS, taken whole by the owner with an
 * exchange; its low bit, NOTIFIED, says the span was put on its heap's remote list and not yet
 * taken from it, so a span is on that list at most once, and only a span with uncollected
 * blocks (used > 0) can be on it.
 */

#ifndef REGION_SHIFT
#define REGION_SHIFT 15
#endif
#define REGION_SIZE  ((size_t)1 << REGION_SHIFT)
#define PAGE_SHIFT   12
#define REGION_PAGES (1u << (REGION_SHIFT - PAGE_SHIFT))
#define SPAN_MAGIC   0x5ba75ba7u
#define REGION_MAGIC 0x7e610bu
#define NOTIFIED     ((uintptr_t)1)

enum span_state { SPAN_CURRENT, SPAN_AVAIL, SPAN_FULL, SPAN_NONE };

struct theap;

typedef struct span {
    /* line 0: what malloc's and free's fast paths read */
    uint32_t magic;     /* SPAN_MAGIC while the span is live, else 0 */
    uint16_t cls;       /* size class */
    uint16_t state;     /* enum span_state */
    uint32_t bsize;     /* class_size[cls] */
    uint32_t used;      /* see the invariants above */
    uint32_t recip;     /* ceil(2^32 / bsize): small_block's test for a block start */
    uint32_t capacity;  /* blocks that fit between data and end */
    struct theap *heap; /* owner; never changes */
    void *free;         /* local free list, linked through the first word */
    char *bump;         /* next never-used block (other threads read it: see small_block) */
    char *data;         /* the first block */
    uintptr_t key;      /* the second word of every free block */
    /* line 1 */
    char *end;                      /* past the last whole block */
    struct span *next, *prev;       /* the heap's avail list of cls */
    uint8_t page, npages;           /* where in its region, and how long */
    _Atomic(uintptr_t) thread_free; /* remote frees | NOTIFIED */
    struct span *remote_next;       /* link on heap->remote */
} __attribute__((aligned(64))) span_t;

typedef struct region {
    uint32_t magic;              /* REGION_MAGIC while the region is live */
    uint16_t free_pages;         /* bit i: page i holds no span */
    uint8_t first[REGION_PAGES]; /* page i is in the span at first[i], or NO_SPAN */
    struct theap *heap;          /* owner; never changes */
    struct region *next, *prev;  /* the owner's regions with a free page */
} __attribute__((aligned(64))) region_t;

#define NO_SPAN ((uint8_t)0xff)

/* A span's descriptor sits at the same offset in its first page as the region's fields in page
 * 0, so that one formula finds it; its blocks follow it. */
static inline span_t *span_at(region_t *r, unsigned page) {
    return (span_t *)((char *)r + ((size_t)page << PAGE_SHIFT) + sizeof(region_t));
}

#define SPAN_DATA (sizeof(region_t) + sizeof(span_t)) /* a span's first block, in its page */

/* Where the blocks of a span of k pages from page start and where their room ends: the end of
 * its last page, less the region's block footer when that page is the region's last. */
static inline char *span_first_block(region_t *r, unsigned page) {
    return (char *)r + ((size_t)page << PAGE_SHIFT) + SPAN_DATA;
}

static inline char *span_limit(region_t *r, unsigned page, unsigned k) {
    char *limit = (char *)r + ((size_t)(page + k) << PAGE_SHIFT);
    return page + k == REGION_PAGES ? limit - OVERHEAD : limit;
}

_Static_assert(offsetof(span_t, end) == 64, "the fast paths' fields fill one cache line");
_Static_assert(SPAN_DATA % ALIGNMENT == 0, "blocks must start 16-aligned");
_Static_assert(REGION_PAGES <= 16, "free_pages has 16 bits");
_Static_assert(SPAN_DATA + SMALL_MAX <= ((size_t)1 << PAGE_SHIFT),
               "a span of one page must hold a block of any class");

/* The span map: one bit per REGION_SIZE-aligned stretch of the 47-bit user address space,
 * set while a region lives there. Two levels: MAP_ROOT leaves of MAP_LEAF_BITS bits, each leaf
 * mapped on first use and never unmapped, so a reader needs no lock. */
#define ADDR_BITS     47
#define MAP_LEAF_BITS ((size_t)1 << 16)
#define MAP_ROOT      ((size_t)1 << (ADDR_BITS - REGION_SHIFT - 16))

static _Atomic(uint64_t *) span_map[MAP_ROOT];

__attribute__((always_inline)) static inline bool span_map_test(uintptr_t a) {
    uintptr_t r = a >> REGION_SHIFT;
    if (r >> (ADDR_BITS - REGION_SHIFT)) return false;
    uint64_t *leaf = atomic_load_explicit(&span_map[r >> 16], memory_order_acquire);
    if (leaf == NULL) return false;
    size_t i = r & (MAP_LEAF_BITS - 1);
    return (__atomic_load_n(&leaf[i / 64], __ATOMIC_RELAXED) >> (i % 64)) & 1;
}

/* Caller holds the lock. False when the leaf cannot be mapped. */
static bool span_map_set(uintptr_t a, bool on) {
    uintptr_t r = a >> REGION_SHIFT;
    if (r >> (ADDR_BITS - REGION_SHIFT)) return false;
    uint64_t *leaf = atomic_load_explicit(&span_map[r >> 16], memory_order_relaxed);
    if (leaf == NULL) {
        if (!on) return true;
        leaf = (uint64_t *)sys_mmap(MAP_LEAF_BITS / 8);
        if (leaf == NULL) return false;
        atomic_store_explicit(&span_map[r >> 16], leaf, memory_order_release);
    }
    size_t i = r & (MAP_LEAF_BITS - 1);
    uint64_t bit = (uint64_t)1 << (i % 64);
    if (on)
        __atomic_fetch_or(&leaf[i / 64], bit, __ATOMIC_RELAXED);
    else
        __atomic_fetch_and(&leaf[i / 64], ~bit, __ATOMIC_RELAXED);
    return true;
}

static inline region_t *region_of(const void *p) {
    return (region_t *)((uintptr_t)p & ~(uintptr_t)(REGION_SIZE - 1));
}

/* The first page of the span that holds p, a pointer into a live region, or NO_SPAN. Other
 * threads read the map as the owner changes it, but not the entry of a page with a block they
 * hold. */
static inline unsigned span_page(region_t *r, const void *p) {
    return __atomic_load_n(&r->first[((uintptr_t)p >> PAGE_SHIFT) & (REGION_PAGES - 1)],
                           __ATOMIC_RELAXED);
}

/* ============================================================================================
 * Thread heaps
 * ============================================================================================
 *
 * Each thread allocates small blocks from its own heap, reached through a thread-local
 * pointer, without a lock. Per class: cur, the span allocated from; avail, spans with free
 * blocks; full spans are on no list (a free puts them back on avail). A span that empties
 * gives its pages back to its region at once; a region left with no span waits on the heap's
 * list (at most EMPTY_CACHE such) before going back to the boundary-tag heap, and those are
 * given back whenever the boundary-tag heap would otherwise grow.
 * Heaps are never destroyed: when a thread exits its heap is orphaned (blocks still live in
 * its spans stay where they are, other threads' frees still reach it through remote) and the
 * next new thread adopts it. A block freed by a thread other than its span's owner goes on
 * the span's thread_free; remote is a CAS stack of such spans, taken whole by the owner.
 *
 * A heap also caches medium blocks of MCACHE_MIN to MCACHE_MAX bytes that its thread freed,
 * for its thread's next medium requests: without it, two threads trading such blocks (make
 * bench's remote) queue on the boundary-tag heap's lock for every malloc and free. A cached
 * block stays in use to the boundary-tag heap, its header and footer untouched (they change
 * only under the lock, which fork() holds, so a child never finds one half-written), so
 * nothing coalesces with it; its second payload word holds mcache_key, which malloc clears
 * and no live block holds (it is odd), so free() still knows a second free of it. Bin i holds
 * blocks whose size has i's leading bits (eight bins per power of two, as bin_index), at most
 * MCACHE_COUNT of them, MCACHE_BYTES in all. The cache goes back to the boundary-tag heap
 * whenever the spans' empty regions do: before it grows and when the thread exits.
 * The cache serves threads that live on medium blocks; in one that uses them now and then it
 * only fills, bin by bin, with blocks freed at one size and wanted at another (glibc's
 * bench-malloc-thread, two threads: 250 KB cached, for 30-60 KB of live medium blocks), while
 * the lock it saves is taken rarely anyway. So every MCACHE_WINDOW medium mallocs and frees, a
 * thread that made more than MCACHE_RATIO small allocations for each of them has its cache
 * emptied and switched off (mcache_room 0) until a later window finds it medium-heavy again.
 */

static void *heap_alloc_aligned(size_t align, size_t size);

#ifndef MCACHE_BYTES
#define MCACHE_BYTES ((size_t)256 << 10)
#endif
#define MCACHE_COUNT  8
#define MCACHE_WINDOW 256
#define MCACHE_RATIO  8
#define MCACHE_SHIFT  11 /* log2(MCACHE_MIN) */
#define MCACHE_BINS   32
#define MCACHE_MIN    ((size_t)1 << MCACHE_SHIFT)
#define MCACHE_MAX    ((size_t)1 << (MCACHE_SHIFT + MCACHE_BINS / 8)) /* 32 KiB: not included */

static inline uintptr_t mcache_key(const block_t *b) {
    return (key_secret ^ (uintptr_t)b) | 1;
}

static inline unsigned mcache_bin(size_t size) {
    unsigned log = 63 - (unsigned)__builtin_clzl(size);
    return (log - MCACHE_SHIFT) * 8 + (unsigned)((size >> (log - 3)) & 7);
}

#ifndef EMPTY_CACHE
#define EMPTY_CACHE 4
#endif

/* How many regions with free pages span_new looks through for a place before it takes a new
 * region: a bound on the slow path's time, at the cost of a hole left unused now and then.
 * Generous, since a hole left is a page that stays resident while a new region is faulted in,
 * and a region costs span_new a few instructions (region_run). */
#define REGION_SEARCH 64

typedef struct theap {
    span_t *cur[NCLASSES];
    span_t *avail[NCLASSES];      /* spans with free blocks, oldest first (avail_push) */
    span_t *avail_last[NCLASSES]; /* and the newest */
    region_t *regions;            /* regions with a free page, linked through next */
    unsigned nempty;              /* regions on that list with no span */
    bool orphan;                  /* no thread owns it (guarded by the lock) */
    struct theap *all_next;       /* every heap (guarded by the lock) */
    struct theap *orphan_next;    /* orphans (guarded by the lock) */
    uint64_t requests[NCLASSES];  /* small allocations served */
    uint64_t frees[NCLASSES];     /* blocks returned to this heap's spans */
    uint64_t nspans[NCLASSES];    /* spans of each class held */
    uint64_t blocks[NCLASSES];    /* their capacities' sum */
    uint64_t pages;               /* pages held by spans */
    block_t *mcache[MCACHE_BINS]; /* cached medium blocks, linked through the payload */
    uint8_t mcache_n[MCACHE_BINS];
    size_t mcache_bytes;
    size_t mcache_room;  /* MCACHE_BYTES, or 0 while the thread is not medium-heavy */
    unsigned medium_ops; /* medium mallocs and frees in this window */
    uint64_t small_seen; /* the sum of requests[] when the window began */
    _Alignas(64) _Atomic(span_t *) remote; /* spans with remote frees to collect */
} theap_t;

static _Thread_local theap_t *tls_heap __attribute__((tls_model("initial-exec")));
static theap_t *all_heaps, *orphan_heaps; /* guarded by the lock */

/* The word that holds the span's key while the block is free (every block has two words). */
static inline uintptr_t *block_key(void *b) {
    return (uintptr_t *)b + 1;
}

/* A full span that has a block back joins the avail list at its end, and the slow path takes
 * the list's first: the span that has gathered frees longest. Taking the newest instead made a
 * span current with one free block, full again at the next malloc, when a program frees at
 * random: make bench's larson 0.85 -> 0.72 s (glibc 0.80), mimalloc-bench's alloc-test
 * 4.57 -> 3.88 s (glibc 4.2-4.4), at the same peak RSS. */
__attribute__((noinline)) static void avail_push(theap_t *h, span_t *s) {
    s->state = SPAN_AVAIL;
    s->next = NULL;
    s->prev = h->avail_last[s->cls];
    if (s->prev != NULL)
        s->prev->next = s;
    else
        h->avail[s->cls] = s;
    h->avail_last[s->cls] = s;
}

static void avail_remove(theap_t *h, span_t *s) {
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        h->avail[s->cls] = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    else
        h->avail_last[s->cls] = s->prev;
}

static void region_link(theap_t *h, region_t *r) {
    r->prev = NULL;
    r->next = h->regions;
    if (r->next != NULL) r->next->prev = r;
    h->regions = r;
}

static void region_unlink(theap_t *h, region_t *r) {
    if (r->prev != NULL)
        r->prev->next = r->next;
    else
        h->regions = r->next;
    if (r->next != NULL) r->next->prev = r->prev;
}

#define ALL_PAGES ((uint16_t)((1u << REGION_PAGES) - 1))

/* Lock held: gives a region with no span, unlinked, back to the boundary-tag heap. */
static void region_release_locked(region_t *r) {
    r->magic = 0;
    span_map_set((uintptr_t)r, false);
    heap_free(payload_block(r));
}

/* A span leaves: its pages go back to its region. True when the region then holds no span. */
static bool span_free_pages(theap_t *h, span_t *s) {
    region_t *r = region_of(s);
    h->nspans[s->cls]--;
    h->blocks[s->cls] -= s->capacity;
    h->pages -= s->npages;
    uint16_t mask = (uint16_t)(((1u << s->npages) - 1) << s->page);
    s->magic = 0;
    s->state = SPAN_NONE;
    for (unsigned i = s->page; i < s->page + s->npages; i++)
        __atomic_store_n(&r->first[i], NO_SPAN, __ATOMIC_RELAXED);
    if (r->free_pages == 0) region_link(h, r);
    r->free_pages |= mask;
    if (r->free_pages != ALL_PAGES) return false;
    h->nempty++;
    return true;
}

/* Gives back to their regions the pages of h's current spans that hold no block: true if
 * there were any. A current span that falls empty stays, so that a program
 * that allocates and frees one block at a time does not make and unmake a span each time; but
 * one per class the thread has ever used, held while the thread uses other classes, is what
 * makes a heap of many classes and few blocks larger than glibc's. So they go whenever the
 * heap would otherwise take memory: a new region, or the boundary-tag heap's growth (which
 * alone let the heap of glibc's bench-malloc-thread, two threads, reach 916 KB; 756 KB with
 * new regions too, glibc's two arenas 376 KB). */
static bool spans_release_idle(theap_t *h) {
    bool any = false;
    for (unsigned c = 0; c < NCLASSES; c++) {
        span_t *s = h->cur[c];
        if (s != NULL && s->used == 0) {
            h->cur[c] = NULL;
            span_free_pages(h, s);
            any = true;
        }
    }
    return any;
}

/* Lock held: gives the cached medium blocks of h back to the boundary-tag heap. */
static void mcache_flush_locked(theap_t *h) {
    for (unsigned i = 0; i < MCACHE_BINS; i++) {
        for (block_t *b = h->mcache[i], *next; b != NULL; b = next) {
            next = *(block_t **)block_payload(b);
            heap_free(b);
        }
        h->mcache[i] = NULL;
        h->mcache_n[i] = 0;
    }
    h->mcache_bytes = 0;
}

static uint64_t small_requests(const theap_t *h) {
    uint64_t n = 0;
    for (unsigned c = 0; c < NCLASSES; c++) n += h->requests[c];
    return n;
}

/* Starts a window of mcache_count's with the cache on or off. */
static void mcache_window(theap_t *h, bool on) {
    h->small_seen = small_requests(h);
    h->medium_ops = 0;
    h->mcache_room = on ? MCACHE_BYTES : 0;
}

/* Lock held: gives the calling thread's cached medium blocks and its regions that hold no span
 * back to the boundary-tag heap, after giving back the pages of its current spans that hold no
 * block. */
static void theap_flush_locked(void) {
    theap_t *h = tls_heap;
    if (h == NULL) return;
    mcache_flush_locked(h);
    spans_release_idle(h);
    for (region_t *r = h->regions, *next; r != NULL; r = next) {
        next = r->next;
        if (r->free_pages == ALL_PAGES) {
            region_unlink(h, r);
            region_release_locked(r);
        }
    }
    h->nempty = 0;
}

/* s just became empty and is not current: its pages go back, and its region too when it
 * holds no other span and the heap already keeps EMPTY_CACHE such. */
__attribute__((noinline)) static void span_retire(theap_t *h, span_t *s) {
    if (s->state == SPAN_AVAIL) avail_remove(h, s);
    region_t *r = region_of(s);
    if (!span_free_pages(h, s) || h->nempty <= EMPTY_CACHE) return;
    region_unlink(h, r);
    h->nempty--;
    heap_lock();
    region_release_locked(r);
    heap_unlock();
}

/* s has had blocks back, from its owner or collected from other threads: a span other than the
 * current one that is now empty gives its pages back, and a full one is available again. */
static inline void span_settle(theap_t *h, span_t *s) {
    if (s->used == 0 && s->state != SPAN_CURRENT)
        span_retire(h, s);
    else if (s->state == SPAN_FULL)
        avail_push(h, s);
}

/* Moves the blocks other threads freed back to their spans' local free lists. */
static void heap_collect(theap_t *h) {
    if (atomic_load_explicit(&h->remote, memory_order_relaxed) == NULL) return;
    span_t *s = atomic_exchange_explicit(&h->remote, NULL, memory_order_acquire);
    while (s != NULL) {
        span_t *next = s->remote_next;
        uintptr_t list = atomic_exchange_explicit(&s->thread_free, 0, memory_order_acquire);
        void *b = (void *)(list & ~NOTIFIED);
        uint32_t n = 0;
        while (b != NULL) {
            void *nb = *(void **)b;
            *(void **)b = s->free;
            s->free = b;
            n++;
            b = nb;
        }
        s->used -= n;
        h->frees[s->cls] += n;
        span_settle(h, s);
        s = next;
    }
}

/* The pages of the next span of class c: for the first, the fewest (a power of two) that
 * hold FIRST_BLOCKS blocks, but TINY_PAGES for blocks of up to TINY_MAX bytes; doubled for
 * every two spans of the class the heap holds, up to the whole region. The smallest class is
 * the one programs use most (espresso: its peak RSS 2,560 KB with four pages for it, 2,688
 * with one), and four pages for the classes up to 64 bytes, as once, cost glibc-thread's
 * two-thread heap 64 KB more (596 -> 660 KB at exit) for nothing measurable on espresso; the
 * speed-up on glibc-thread they were for no longer shows (82-90 million iterations in 2 s
 * either way, glibc 64). */
#ifndef SPAN_GROWTH
#define SPAN_GROWTH 2
#endif
#ifndef FIRST_BLOCKS
#define FIRST_BLOCKS 2
#endif
#ifndef TINY_MAX
#define TINY_MAX 16
#endif
#ifndef TINY_PAGES
#define TINY_PAGES 4
#endif
_Static_assert(TINY_PAGES <= REGION_PAGES && (TINY_PAGES & (TINY_PAGES - 1)) == 0,
               "spans are a power of two pages, at most a region");
static unsigned span_pages_first(unsigned c) {
    if (class_size[c] <= TINY_MAX) return TINY_PAGES;
    unsigned k = 1;
    while (((size_t)k << PAGE_SHIFT) < FIRST_BLOCKS * (size_t)class_size[c]) k *= 2;
    return k;
}

static unsigned span_pages(theap_t *h, unsigned c) {
    unsigned k = span_pages_first(c);
    for (uint64_t held = h->nspans[c] / SPAN_GROWTH; held > 0 && k < REGION_PAGES; held--) k *= 2;
    return k;
}

/* Sets up a span of class c on pages [page, page + k) of r, which are free. */
static span_t *span_init(theap_t *h, region_t *r, unsigned page, unsigned k, unsigned c) {
    span_t *s = span_at(r, page);
    char *start = span_first_block(r, page), *limit = span_limit(r, page, k);
    if (r->free_pages == ALL_PAGES) h->nempty--; /* the region holds a span now */
    s->magic = SPAN_MAGIC;
    s->cls = (uint16_t)c;
    s->state = SPAN_CURRENT;
    s->bsize = class_size[c];
    s->recip = (uint32_t)(UINT32_MAX / class_size[c] + 1);
    s->capacity = (uint32_t)((size_t)(limit - start) / class_size[c]);
    s->used = 0;
    s->heap = h;
    s->free = NULL;
    s->data = start;
    __atomic_store_n(&s->bump, start, __ATOMIC_RELAXED);
    s->end = start + (size_t)s->capacity * class_size[c];
    s->key = (key_secret ^ (uintptr_t)start) | 1; /* odd: no pointer the program keeps */
    s->next = s->prev = NULL;
    s->page = (uint8_t)page;
    s->npages = (uint8_t)k;
    atomic_init(&s->thread_free, 0);
    s->remote_next = NULL;
    for (unsigned i = page; i < page + k; i++)
        __atomic_store_n(&r->first[i], page, __ATOMIC_RELAXED);
    r->free_pages &= (uint16_t) ~(((1u << k) - 1) << page);
    if (r->free_pages == 0) region_unlink(h, r);
    h->nspans[c]++;
    h->blocks[c] += s->capacity;
    h->pages += k;
    return s;
}

/* A new region for h, carved from the boundary-tag heap and linked, or NULL. */
static region_t *region_new(theap_t *h) {
    heap_lock();
    region_t *r = heap_alloc_aligned(REGION_SIZE, REGION_SIZE);
    if (r != NULL) {
        /* Whole before the span map shows it: a fork once the lock is dropped gives the child
           a region alloc_check_heap can read. */
        r->magic = REGION_MAGIC;
        r->free_pages = ALL_PAGES;
        r->heap = h;
        memset(r->first, NO_SPAN, sizeof r->first);
        if (!span_map_set((uintptr_t)r, true)) {
            r->magic = 0;
            heap_free(payload_block(r));
            r = NULL;
        }
    }
    heap_unlock();
    if (r == NULL) return NULL;
    region_link(h, r);
    h->nempty++;
    return r;
}

/* The longest run of free pages in r that a span of at least least and at most k pages (powers
 * of two) can take, aligned to its length; its first page in *page; 0 if none. Bit p of
 * runs[j] is set when pages p .. p + 2^j - 1 are free and p is a multiple of 2^j: each is
 * the one before with its neighbour 2^(j-1) pages up, at the multiples of 2^j (stride). */
static unsigned region_run(const region_t *r, unsigned least, unsigned k, unsigned *page) {
    static const uint16_t stride[] = {0xffff, 0x5555, 0x1111, 0x0101, 0x0001};
    unsigned runs = r->free_pages, best = 0;
    for (unsigned j = 1, log = 1; runs != 0; j *= 2, log++) {
        if (j >= least) {
            best = j;
            *page = (unsigned)__builtin_ctz(runs);
        }
        if (j == k) break;
        runs &= (runs >> j) & stride[log];
    }
    return best;
}

/* The longest run of free pages, from least to k, in the first of (at most REGION_SEARCH of)
 * h's regions that has one: its length (0 if none), its region in *rp, its first page in
 * *page. */
static unsigned region_find(theap_t *h, unsigned least, unsigned k, region_t **rp, unsigned *page) {
    unsigned best = 0, tries = 0;
    for (region_t *r = h->regions; r != NULL && tries < REGION_SEARCH; r = r->next, tries++) {
        unsigned at = 0, run = region_run(r, least, k, &at);
        if (run > best) {
            best = run;
            *page = at;
            *rp = r;
            if (run == k) break;
        }
    }
    return best;
}

/* A new span of class c for h, or NULL: of the pages span_pages gives, in h's regions, where
 * the current spans that hold no block may have to make room (spans_release_idle; class c has
 * none, small_alloc_slow having found its current span full), else in a new region. A span of half that length in a region h holds comes before a new region: a new
 * region is a REGION_SIZE-aligned block, which a boundary-tag heap fragmented by medium blocks
 * often cannot give without growing, and the pages left free in regions would then stay
 * resident unused. Not shorter still: a shorter span runs out sooner, and each time costs a
 * slow path (going down to the first span's length cost make bench's threads 4% more
 * instructions, for 8% less peak RSS). */
static span_t *span_new(theap_t *h, unsigned c) {
    unsigned k = span_pages(h, c), least = span_pages_first(c), page = 0, run;
    if (least < k / 2) least = k / 2;
    region_t *r = NULL;
    if ((run = region_find(h, least, k, &r, &page)) == 0 && spans_release_idle(h))
        run = region_find(h, least, k, &r, &page);
    if (run != 0) return span_init(h, r, page, run, c);
    if ((r = region_new(h)) == NULL) return NULL;
    return span_init(h, r, 0, k, c);
}

static theap_t *heap_adopt(void);

/* Moves up to REFILL never-used blocks from the bump area to the (empty) free list, so that
 * the next allocations take the fast path. Only the blocks that start in the page of the first
 * one are taken: a span's pages are touched (made resident) one at a time, as needed. */
#define REFILL 32
static void span_refill(span_t *s) {
    char *b = s->bump;
    size_t k = (size_t)(s->end - b) / s->bsize;
    size_t in_page =
        (align_up((uintptr_t)b + 1, (size_t)1 << PAGE_SHIFT) - (uintptr_t)b + s->bsize - 1) /
        s->bsize;
    if (k > in_page) k = in_page;
    if (k > REFILL) k = REFILL;
    for (size_t i = 0; i < k; i++) {
        *(void **)(b + i * s->bsize) = i + 1 < k ? b + (i + 1) * s->bsize : NULL;
        *block_key(b + i * s->bsize) = s->key;
    }
    s->free = b;
    __atomic_store_n(&s->bump, b + k * s->bsize, __ATOMIC_RELAXED);
}

/* The slow path of small_alloc: cur[c] has no free block. */
static void *small_alloc_slow(theap_t *h, unsigned c) {
    heap_collect(h);
    span_t *s = h->cur[c];
    if (s != NULL) {
        if (s->free == NULL && s->bump < s->end) span_refill(s);
        if (s->free == NULL) {
            s->state = SPAN_FULL;
            h->cur[c] = s = NULL;
        }
    }
    if (s == NULL) {
        if ((s = h->avail[c]) != NULL) {
            avail_remove(h, s);
            s->state = SPAN_CURRENT;
        } else if ((s = span_new(h, c)) == NULL) {
            return NULL;
        }
        h->cur[c] = s;
        if (s->free == NULL) span_refill(s);
    }
    void *b = s->free;
    s->free = *(void **)b;
    *block_key(b) = 0;
    s->used++;
    h->requests[c]++;
    return b;
}

__attribute__((always_inline)) static inline void *small_alloc(size_t n) {
    theap_t *h = tls_heap;
    if (__builtin_expect(h == NULL, 0)) {
        heap_init();
        if ((h = heap_adopt()) == NULL) return NULL;
    }
    unsigned c = class_of(n);
    span_t *s = h->cur[c];
    if (__builtin_expect(s != NULL, 1)) {
        void *b = s->free;
        if (__builtin_expect(b != NULL, 1)) {
            s->free = *(void **)b;
            *block_key(b) = 0;
            s->used++;
            h->requests[c]++;
            return b;
        }
    }
    return small_alloc_slow(h, c);
}

__attribute__((noinline)) static void small_free_remote(span_t *s, void *p) {
    *block_key(p) = s->key;
    uintptr_t old = atomic_load_explicit(&s->thread_free, memory_order_relaxed), new;
    do {
        *(void **)p = (void *)(old & ~NOTIFIED);
        new = (uintptr_t)p | NOTIFIED;
    } while (!atomic_compare_exchange_weak_explicit(&s->thread_free, &old, new,
                                                    memory_order_release, memory_order_relaxed));
    if (old & NOTIFIED) return; /* already on its heap's list */
    theap_t *h = s->heap;
    span_t *head = atomic_load_explicit(&h->remote, memory_order_relaxed);
    do s->remote_next = head;
    while (!atomic_compare_exchange_weak_explicit(&h->remote, &head, s, memory_order_release,
                                                  memory_order_relaxed));
}

/* Is p, which holds its span's key, on the span's free list or thread_free? Only the owner
 * may ask: it alone rewrites the links. Each walk stops after capacity steps, cycle or not. */
static bool span_holds_free(span_t *s, void *p) {
    uint32_t steps = 0;
    for (void *b = s->free; b != NULL && steps++ < s->capacity; b = *(void **)b)
        if (b == p) return true;
    uintptr_t list = atomic_load_explicit(&s->thread_free, memory_order_acquire) & ~NOTIFIED;
    steps = 0;
    for (void *b = (void *)list; b != NULL && steps++ < s->capacity; b = *(void **)b)
        if (b == p) return true;
    return false;
}

/* p holds its span's key: it is free, unless the program stored that word itself. The owner
 * looks on the lists; another thread may not read them, and the key alone convicts. */
__attribute__((noinline, cold)) static void small_check_free(span_t *s, void *p, const char *op) {
    if (s->heap != tls_heap || span_holds_free(s, p))
        die(op, "block not in use (double free or invalid pointer)", p);
}

/* small_block's verdict on p, which is not the start of a block the span has handed out. */
__attribute__((noinline, cold, noreturn)) static void small_bad_block(span_t *s, void *p,
                                                                      const char *op) {
    if (s == NULL) die(op, "invalid pointer (not a block of its span)", p);
    char *data = s->data;
    if (s->magic == SPAN_MAGIC && (char *)p >= data && (char *)p < s->end &&
        (size_t)((char *)p - data) % s->bsize == 0)
        die(op, "invalid pointer (never allocated)", p);
    die(op, "invalid pointer (not a block of its span)", p);
}

/* Aborts unless p is the start of a block of a live span below its bump pointer; returns the
 * span. Another thread may read bump as the owner moves it: a block it was given was handed
 * out after bump passed it, and that hand-over makes the new bump visible. An offset below
 * 2^16 is a multiple of bsize exactly when its product with recip, modulo 2^32, is below recip
 * (Lemire, Kaser and Kurz, "Faster remainder by direct computation", 2019: exact while
 * 2^32 >= 2^16 * bsize). */
__attribute__((always_inline)) static inline span_t *small_block(void *p, const char *op) {
    region_t *r = region_of(p);
    if (r->magic != REGION_MAGIC) die(op, "corrupted span header", p);
    unsigned page = span_page(r, p);
    if (page == NO_SPAN) small_bad_block(NULL, p, op);
    span_t *s = span_at(r, page);
    uintptr_t a = (uintptr_t)p, data = (uintptr_t)s->data;
    if (s->magic != SPAN_MAGIC || a < data ||
        a >= (uintptr_t)__atomic_load_n(&s->bump, __ATOMIC_RELAXED) ||
        (uint32_t)(a - data) * s->recip >= s->recip)
        small_bad_block(s, p, op);
    return s;
}

/* The door for small blocks: small_block(), and p must not be free. */
static span_t *small_check(void *p, const char *op) {
    span_t *s = small_block(p, op);
    if (*block_key(p) == s->key) small_check_free(s, p, op);
    return s;
}

__attribute__((always_inline)) static inline void small_free(span_t *s, void *p) {
    theap_t *h = tls_heap;
    if (__builtin_expect(s->heap != h, 0)) {
        small_free_remote(s, p);
        return;
    }
    *(void **)p = s->free;
    *block_key(p) = s->key;
    s->free = p;
    s->used--;
    h->frees[s->cls]++;
    /* span_settle's two cases in one test, true only when it has something to do: whether the
     * span is current is a coin toss when the program frees at random, and as a branch of its
     * own it was mispredicted one free in five; a current span falling empty is common when it
     * holds few blocks. */
    bool full = s->state == SPAN_FULL, empty = s->used == 0;
    if (__builtin_expect(full | (empty & (s->state != SPAN_CURRENT)), 0)) span_settle(h, s);
}

/* The thread's heap: an orphan if there is one, else a new one (NULL when out of memory). */
static theap_t *heap_adopt(void) {
    heap_lock();
    theap_t *h = orphan_heaps;
    if (h != NULL) {
        orphan_heaps = h->orphan_next;
        h->orphan = false;
    } else {
        void *p = heap_alloc_aligned(64, align_up(sizeof(theap_t) + OVERHEAD, ALIGNMENT));
        if (p != NULL) {
            h = p;
            memset(h, 0, sizeof *h);
            h->all_next = all_heaps;
            all_heaps = h;
        }
    }
    heap_unlock();
    if (h == NULL) return NULL;
    tls_heap = h;
    mcache_window(h, true); /* a new thread starts with the cache on, whatever its last one did */
    if (atomic_load(&heap_key_ok)) pthread_setspecific(heap_key, h);
    heap_collect(h);
    return h;
}

/* Thread exit: collects, gives back what is empty, and orphans the heap. */
static void heap_abandon(void *arg) {
    theap_t *h = arg;
    heap_collect(h);
    heap_lock();
    theap_flush_locked();
    tls_heap = NULL;
    h->orphan = true;
    h->orphan_next = orphan_heaps;
    orphan_heaps = h;
    heap_unlock();
}

/* ============================================================================================
 * Allocation paths shared by the public functions
 * ============================================================================================
 *
 * These return NULL on failure and leave errno alone; the public functions set it.
 */

/* The heap whose medium cache holds blocks of size bytes: the thread's, or NULL. */
static inline theap_t *mcache_heap(size_t size) {
    return size >= MCACHE_MIN && size < MCACHE_MAX ? tls_heap : NULL;
}

/* Counts a medium malloc or free of h's thread, and at the end of a window switches the
 * cache on or off by the window's share of small allocations. */
static void mcache_count(theap_t *h) {
    if (++h->medium_ops < MCACHE_WINDOW) return;
    bool heavy = small_requests(h) - h->small_seen <= (uint64_t)MCACHE_WINDOW * MCACHE_RATIO;
    mcache_window(h, heavy);
    if (!heavy && h->mcache_bytes != 0) {
        heap_lock();
        mcache_flush_locked(h);
        heap_unlock();
    }
}

/* A block of at least size bytes from the thread's medium cache, or NULL: from size's bin if
 * its first block is long enough, else from the next bin, whose blocks all are. */
static void *mcache_take(size_t size) {
    theap_t *h = mcache_heap(size);
    if (h == NULL) return NULL;
    mcache_count(h);
    unsigned i = mcache_bin(size);
    block_t *b = h->mcache[i];
    if ((b == NULL || block_size(b) < size) && ++i < MCACHE_BINS) b = h->mcache[i];
    if (b == NULL || block_size(b) < size) return NULL;
    h->mcache[i] = *(block_t **)block_payload(b);
    h->mcache_n[i]--;
    h->mcache_bytes -= block_size(b);
    *block_key(block_payload(b)) = 0;
    return block_payload(b);
}

/* Keeps the freed medium block b in the thread's cache if there is room: true if it did. */
static bool mcache_put(block_t *b) {
    size_t size = block_size(b);
    theap_t *h = mcache_heap(size);
    if (h == NULL) return false;
    mcache_count(h);
    if (h->mcache_bytes + size > h->mcache_room) return false;
    unsigned i = mcache_bin(size);
    if (h->mcache_n[i] == MCACHE_COUNT) return false;
    *(block_t **)block_payload(b) = h->mcache[i];
    *block_key(block_payload(b)) = mcache_key(b);
    h->mcache[i] = b;
    h->mcache_n[i]++;
    h->mcache_bytes += size;
    return true;
}

/* Medium and large requests: kept out of line so that the small fast path needs no stack frame. */
__attribute__((noinline)) static void *alloc_big(size_t n) {
    heap_init();
    size_t size;
    if (!request_block_size(n, &size)) return NULL;
    if (n >= mmap_threshold()) return large_alloc(n, ALIGNMENT, false);
    void *p = mcache_take(size);
    if (p != NULL) return p;
    heap_lock();
    p = heap_alloc(size);
    heap_unlock();
    return p;
}

__attribute__((always_inline)) static inline void *alloc_any(size_t n) {
    if (__builtin_expect(n <= SMALL_MAX, 1)) return small_alloc(n);
    return alloc_big(n);
}

/* The single door through which every pointer from the user passes: aborts on anything that
 * cannot be a live block of ours rather than corrupt the heap with it. */
static block_t *user_block(void *p, const char *op) {
    heap_init(); /* a forged pointer may come before any allocation; the checks need the page */
    if ((uintptr_t)p % ALIGNMENT != 0) die(op, "invalid pointer (misaligned)", p);
    block_t *b = payload_block(p);
    size_t head = b->head;
    if ((head & INUSE) == 0 || (!(head & MMAPPED) && *block_key(p) == mcache_key(b)))
        die(op, "block not in use (double free or invalid pointer)", p);
    if (head & MMAPPED) {
        size_t len = head & ~FLAG_MASK, off = large_offset(b);
        if ((head & FLAG_MASK & ~DIRTY) != (MMAPPED | INUSE) || len % heap.page != 0 ||
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
    if (mcache_put(b)) return;
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
/* Where in block b a payload aligned to align can start: a lead of 16 bytes cannot stand as a
 * block, so then the next aligned address is taken. */
static uintptr_t aligned_payload(block_t *b, size_t align) {
    uintptr_t p = (uintptr_t)block_payload(b), at = align_up(p, align);
    return at != p && at - p < MIN_BLOCK ? at + align : at;
}

/* How many free blocks heap_alloc_aligned examines for one that fits exactly. */
#define ALIGNED_FIT_TRIES 64

/* A free block, unlinked, that holds size bytes at a payload aligned to align, or NULL. This
 * is how the hole a freed span leaves between live ones serves the next span: the hole fits
 * exactly, while heap_alloc's request with room to align anywhere never would. */
static block_t *bin_take_aligned(size_t align, size_t size) {
    unsigned tries = 0;
    for (unsigned i = bin_next_nonempty(bin_index(size)); i < NBINS; i = bin_next_nonempty(i + 1)) {
        for (block_t *b = heap.bins[i]; b != NULL; b = b->next) {
            if (aligned_payload(b, align) - (uintptr_t)block_payload(b) + size <= block_size(b)) {
                bin_remove(b);
                return b;
            }
            if (++tries == ALIGNED_FIT_TRIES) return NULL;
        }
    }
    return NULL;
}

/* The last block of the sbrk segment, unlinked, after growing the segment by as little as lets
 * it hold size bytes at a payload aligned to align; or NULL. The block it grows is the free
 * one at the top, or the space the growth adds past an in-use top block. Asking heap_alloc for
 * room to align anywhere instead grew the heap by twice a region for every region made, the
 * rest left free around it (espresso's peak footprint 909 KB with that, 868 KB without). */
static block_t *top_take_aligned(size_t align, size_t size) {
    if (heap.sbrk_seg == NULL) return NULL;
    block_t *end = segment_epilogue(heap.sbrk_seg);
    size_t last_foot = *block_prev_foot(end);
    block_t *b = (last_foot & INUSE) ? end : (block_t *)((char *)end - last_foot);
    uintptr_t block_end = aligned_payload(b, align) - WORD + size;
    if (block_end > (uintptr_t)end && !heap_grow(block_end - (uintptr_t)end)) return NULL;
    if (block_inuse(b) || block_end > (uintptr_t)block_next(b))
        return NULL; /* the growth went to a new mapping */
    bin_remove(b);
    return b;
}

static void *heap_alloc_aligned(size_t align, size_t size) {
    block_t *b = bin_take_aligned(align, size);
    if (b == NULL) {
        theap_flush_locked();
        b = bin_take_aligned(align, size);
    }
    if (b == NULL) b = top_take_aligned(align, size);
    if (b != NULL) {
        block_set(b, block_size(b), INUSE);
    } else {
        /* Room to align anywhere: align for the address, MIN_BLOCK for a lead too short. */
        void *p = heap_alloc(size + align + MIN_BLOCK);
        if (p == NULL) return NULL;
        b = payload_block(p);
    }
    uintptr_t p = (uintptr_t)block_payload(b), at = aligned_payload(b, align);
    if (at != p) {
        size_t lead = at - p, total = block_size(b);
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
    if (need >= mmap_threshold()) return large_alloc(n, align, false);
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

/* malloc and free start at a cache line, so that their fast paths' place in the 32-byte
 * windows the CPU decodes by does not move with every edit elsewhere in the file: an edit of
 * the medium cache, which neither fast path runs, once made make bench's mstress 20% slower at
 * the same instruction count, and aligning these two alone undid it. */
__attribute__((aligned(64))) void *malloc(size_t n) {
    void *p = alloc_any(n);
    if (p == NULL) errno = ENOMEM;
    return p;
}

/* free's path for a small block that holds its span's key: kept out of line, with the call
 * it makes, so that free's fast path saves no registers. */
__attribute__((noinline, cold)) static void small_free_suspect(span_t *s, void *p) {
    small_check_free(s, p, "free");
    small_free(s, p);
}

__attribute__((noinline)) static void free_big(void *p) {
    free_block(user_block(p, "free"));
}

__attribute__((aligned(64))) void free(void *p) {
    if (p == NULL) return;
    if (__builtin_expect(span_map_test((uintptr_t)p), 1)) {
        span_t *s = small_block(p, "free");
        if (__builtin_expect(*block_key(p) == s->key, 0))
            small_free_suspect(s, p);
        else
            small_free(s, p);
        return;
    }
    free_big(p);
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
    if (n <= SMALL_MAX || (payload_block(p)->head & (MMAPPED | DIRTY)) != MMAPPED)
        memset(p, 0, n); /* fresh mappings are zero */
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
    if (span_map_test((uintptr_t)p)) {
        span_t *s = small_check(p, "realloc");
        if (n <= s->bsize && (n > s->bsize / 2 || n > SMALL_MAX / 2 || s->bsize <= 64)) return p;
        void *q = malloc(n);
        if (q == NULL) return NULL;
        memcpy(q, p, n < s->bsize ? n : s->bsize);
        small_free(s, p);
        return q;
    }
    block_t *b = user_block(p, "realloc");
    size_t size;
    if (!request_block_size(n, &size)) {
        errno = ENOMEM;
        return NULL;
    }
    /* Blocks that grow past REALLOC_MAP_MIN move to a mapping of their own, and mremap then
     * grows them without copying (unless HEAPLAB_MMAP_THRESHOLD fixed where mappings start). */
    size_t map_min = heap.threshold_fixed ? mmap_threshold() : REALLOC_MAP_MIN;
    /* A block that moves to grow leaves room for the next growth (a vector, a string): move is
     * the heap block it then takes, 0 when it takes none (to_map: a mapping of its own). */
    size_t grown = n + n / 4, move = 0, usable = block_usable(b);
    bool mapped = (b->head & MMAPPED) != 0, to_map = !mapped && n >= map_min && n > usable;
    if (!to_map && grown < mmap_threshold() && grown > n) request_block_size(grown, &move);
    if (mapped) {
        if (n >= map_min || n >= mmap_threshold()) {
            void *q = large_resize(b, n);
            if (q != NULL) return q; /* else mremap failed: a copy, below */
        }
    } else {
        if (n <= usable && n >= usable / 2) return p; /* keep the room it has */
        heap_lock();
        bool in_place = heap_resize(b, size, move);
        heap_unlock();
        if (in_place) return p;
    }
    void *q = NULL;
    if (to_map)
        q = large_alloc(n, ALIGNMENT, true);
    else if (move != 0)
        q = alloc_any(grown);
    if (q == NULL) q = alloc_any(n);
    if (q == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(q, p, usable < n ? usable : n); /* b has not changed since usable was read */
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
    if (span_map_test((uintptr_t)p)) return small_check(p, "malloc_usable_size")->bsize;
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

/* The regions: every in-use heap block whose payload is a region-aligned address marked in
 * the span map. Spans of the calling thread's heap and of orphans are checked whole; those of
 * other threads' heaps, which their owners change without the lock, only in their fixed
 * fields. */
static bool heap_known(const theap_t *h) {
    for (theap_t *k = all_heaps; k != NULL; k = k->all_next)
        if (k == h) return true;
    return false;
}

static int check_span(span_t *s, uint64_t counted[NCLASSES]) {
    if (s->state > SPAN_FULL) return check_failed("span %p: bad state %u", (void *)s, s->state);
    unsigned c = s->cls;
    if (c >= NCLASSES || s->bsize != class_size[c])
        return check_failed("span %p: class %u with block size %u", (void *)s, c, s->bsize);
    region_t *r = region_of(s);
    char *data = span_first_block(r, s->page), *limit = span_limit(r, s->page, s->npages);
    if (s->data != data || s->capacity != (size_t)(limit - data) / s->bsize ||
        s->end != data + (size_t)s->capacity * s->bsize || s->bump < data || s->bump > s->end ||
        (size_t)(s->bump - data) % s->bsize != 0)
        return check_failed("span %p: bad bounds (capacity %u, bump %p, end %p)", (void *)s,
                            s->capacity, (void *)s->bump, (void *)s->end);
    size_t nfree = 0;
    for (char *b = s->free; b != NULL; b = *(char **)b) {
        if (b < data || b >= s->bump || (size_t)(b - data) % s->bsize != 0)
            return check_failed("span %p: free-list entry %p is not a used block of it", (void *)s,
                                (void *)b);
        if (*block_key(b) != s->key)
            return check_failed("span %p: free block %p lost its key (written after free?)",
                                (void *)s, (void *)b);
        if (++nfree > s->capacity)
            return check_failed("span %p: free list longer than capacity (cycle)", (void *)s);
    }
    size_t fresh = (size_t)(s->end - s->bump) / s->bsize;
    if (s->used + nfree + fresh != s->capacity)
        return check_failed("span %p: used %u + free %zu + never used %zu != capacity %u",
                            (void *)s, s->used, nfree, fresh, s->capacity);
    if ((s->state == SPAN_CURRENT) != (s->heap->cur[c] == s))
        return check_failed("span %p: state %u but heap's current span of class %u is %p",
                            (void *)s, s->state, c, (void *)s->heap->cur[c]);
    if (s->state == SPAN_FULL && (s->free != NULL || fresh != 0))
        return check_failed("span %p: marked full with free blocks", (void *)s);
    if (s->heap == tls_heap) counted[c]++;
    return 1;
}

static int check_region(region_t *r, uint64_t counted[NCLASSES]) {
    if (r->magic != REGION_MAGIC)
        return check_failed("region %p: bad magic 0x%x", (void *)r, r->magic);
    if (!heap_known(r->heap))
        return check_failed("region %p: owner %p is not a thread heap", (void *)r, (void *)r->heap);
    if (r->heap != tls_heap && !r->heap->orphan) return 1;
    for (unsigned i = 0; i < REGION_PAGES;) {
        if ((r->free_pages >> i) & 1) {
            if (r->first[i] != NO_SPAN)
                return check_failed("region %p: free page %u is in a span", (void *)r, i);
            i++;
            continue;
        }
        span_t *s = span_at(r, i);
        if (s->magic != SPAN_MAGIC || s->heap != r->heap || s->page != i || s->npages == 0 ||
            i + s->npages > REGION_PAGES)
            return check_failed("region %p: page %u starts no span of its own", (void *)r, i);
        for (unsigned j = i; j < i + s->npages; j++)
            if (r->first[j] != i || ((r->free_pages >> j) & 1))
                return check_failed("region %p: page %u is not in the span at page %u", (void *)r,
                                    j, i);
        if (!check_span(s, counted)) return 0;
        i += s->npages;
    }
    return 1;
}

static int check_spans_locked(void) {
    uint64_t counted[NCLASSES] = {0};
    for (segment_t *seg = heap.segments; seg != NULL; seg = seg->next) {
        block_t *epilogue = segment_epilogue(seg);
        for (block_t *b = segment_first(seg); b != epilogue; b = block_next(b)) {
            uintptr_t p = (uintptr_t)block_payload(b);
            if (!block_inuse(b) || p % REGION_SIZE != 0 || !span_map_test(p)) continue;
            /* heap_alloc_aligned leaves a tail too small to split (< MIN_BLOCK) in the block */
            if (block_size(b) < REGION_SIZE || block_size(b) >= REGION_SIZE + MIN_BLOCK)
                return check_failed("region %p: its heap block has size %zu", (void *)p,
                                    block_size(b));
            if (!check_region((region_t *)p, counted)) return 0;
        }
    }
    theap_t *h = tls_heap;
    for (unsigned c = 0; h != NULL && c < NCLASSES; c++) {
        if (counted[c] != h->nspans[c])
            return check_failed("thread heap %p: %llu spans of class %u found, %llu counted",
                                (void *)h, (unsigned long long)counted[c], c,
                                (unsigned long long)h->nspans[c]);
        span_t *last = NULL;
        for (span_t *s = h->avail[c]; s != NULL; last = s, s = s->next)
            if (s->state != SPAN_AVAIL || s->cls != c || s->prev != last)
                return check_failed("thread heap %p: avail list of class %u holds span %p",
                                    (void *)h, c, (void *)s);
        if (h->avail_last[c] != last)
            return check_failed("thread heap %p: avail list of class %u ends at %p, not %p",
                                (void *)h, c, (void *)last, (void *)h->avail_last[c]);
    }
    for (region_t *r = h != NULL ? h->regions : NULL; r != NULL; r = r->next)
        if (r->heap != h || r->free_pages == 0)
            return check_failed("thread heap %p: its list of regions with room holds %p", (void *)h,
                                (void *)r);
    return 1;
}

/* ============================================================================================
 * Heap report and dump
 * ============================================================================================
 *
 * Both format on the stack and write(2) to standard error, like glibc's malloc_stats: they
 * never allocate, so they can run between any two allocation calls. Counters of other
 * threads are read without stopping them, so a report taken while they run is approximate.
 */

void malloc_stats(void) {
    heap_init();
    unsigned long long blocks[NCLASSES] = {0}, req[NCLASSES] = {0}, fr[NCLASSES] = {0};
    unsigned long long heaps = 0, spans = 0, pages = 0;
    heap_lock();
    for (theap_t *h = all_heaps; h != NULL; h = h->all_next) {
        heaps++;
        pages += __atomic_load_n(&h->pages, __ATOMIC_RELAXED);
        for (unsigned c = 0; c < NCLASSES; c++) {
            spans += __atomic_load_n(&h->nspans[c], __ATOMIC_RELAXED);
            blocks[c] += __atomic_load_n(&h->blocks[c], __ATOMIC_RELAXED);
            req[c] += __atomic_load_n(&h->requests[c], __ATOMIC_RELAXED);
            fr[c] += __atomic_load_n(&h->frees[c], __ATOMIC_RELAXED);
        }
    }
    unsigned long long heap_bytes = 0, free_bytes = 0;
    for (segment_t *s = heap.segments; s != NULL; s = s->next) {
        heap_bytes += (unsigned long long)(s->end - (char *)s);
        block_t *epilogue = segment_epilogue(s);
        for (block_t *b = segment_first(s); b != epilogue; b = block_next(b))
            if (!block_inuse(b)) free_bytes += block_size(b);
    }
    heap_unlock();
    unsigned long long tb = 0, tu = 0, tr = 0, tf = 0;
    report(ALLOC_STATS_HEADER);
    for (unsigned c = 0; c < NCLASSES; c++) {
        unsigned long long used = req[c] - fr[c];
        report(ALLOC_STATS_ROW, c, class_size[c], blocks[c], used, blocks[c] - used, req[c], fr[c]);
        tb += blocks[c];
        tu += used;
        tr += req[c];
        tf += fr[c];
    }
    report(ALLOC_STATS_TOTAL, tb, tu, tb - tu, tr, tf);
    /* spans differ in length: the line gives their mean */
    report(ALLOC_STATS_SPANS, heaps, spans, (size_t)(spans ? (pages << PAGE_SHIFT) / spans : 0));
    report(ALLOC_STATS_HEAP, heap_bytes, free_bytes, mmap_threshold());
}

/* One line per heap block, with spans as such. The lock is held. */
static void dump_locked(void) {
    report("heap dump: begin\n");
    for (segment_t *s = heap.segments; s != NULL; s = s->next) {
        report("heap dump: segment %p-%p %s\n", (void *)s, (void *)s->end,
               s->mapped ? "mmap" : "sbrk");
        block_t *epilogue = segment_epilogue(s);
        for (block_t *b = segment_first(s); b != epilogue; b = block_next(b)) {
            uintptr_t p = (uintptr_t)block_payload(b);
            if (block_inuse(b) && p % REGION_SIZE == 0 && span_map_test(p)) {
                region_t *r = (region_t *)p;
                report("heap dump: %p %10zu region\n", (void *)p, block_size(b));
                for (unsigned i = 0; i < REGION_PAGES; i++) {
                    span_t *sp = span_at(r, i);
                    char *at = (char *)r + ((size_t)i << PAGE_SHIFT);
                    if ((r->free_pages >> i) & 1)
                        report("heap dump: %p %10zu free page\n", (void *)at,
                               (size_t)1 << PAGE_SHIFT);
                    else if (r->first[i] == i)
                        report("heap dump: %p %10zu span class %u size %u used %u of %u\n",
                               (void *)sp->data, (size_t)sp->npages << PAGE_SHIFT, sp->cls,
                               sp->bsize, sp->used, sp->capacity);
                }
            } else {
                report("heap dump: %p %10zu %s\n", (void *)p, block_size(b),
                       !block_inuse(b)                                 ? "free"
                       : *block_key(block_payload(b)) == mcache_key(b) ? "cached"
                                                                       : "in-use");
            }
        }
    }
    for (unsigned i = 0; i < large_cache.n; i++)
        report("heap dump: %p %10zu cached mapping\n", (void *)large_cache.base[i],
               large_cache.len[i]);
    report("heap dump: end\n");
}

static bool dump_wanted(void) {
    const char *e = getenv("HEAPLAB_HEAP_DUMP");
    return e != NULL && *e != '\0' && strcmp(e, "0") != 0;
}

__attribute__((destructor)) static void dump_at_exit(void) {
    if (!dump_wanted() || !atomic_load(&heap_ready)) return;
    heap_lock();
    dump_locked();
    heap_unlock();
}

int alloc_check_heap(void) {
    heap_init();
    heap_lock();
    int ok = check_locked() && check_spans_locked();
    if (dump_wanted()) dump_locked();
    heap_unlock();
    return ok;
}
