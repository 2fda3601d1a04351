/*
 * dmalloc.c - the heaplab reference debugging layer: CS61/Yale's "dmalloc" (the interface and
 * its exact messages: dmalloc.h, docs/dmalloc.md)
 * =============================================================================================
 *
 * Built on base_malloc and base_free (harness/base_allocator.c, linked into every test program),
 * as a student's layer is, and on nothing of alloc.c: the Makefile compiles this file into the
 * slot beside alloc.c, and a course that deletes it grades a student's layer in its place. It
 * shares with alloc.c only the lock type and the reporter of internal.h.
 *
 * A block handed to the user is one underlying allocation:
 *
 *      +------+------+-------+----------------+------------------------+----------------+
 *      | size | site | check | front canary   | payload (16-aligned)   | rear canary    |
 *      |  8   |  4   |   4   | DM_CANARY      | size bytes             | DM_CANARY      |
 *      +------+------+-------+----------------+------------------------+----------------+
 *      ^ base_malloc()'s pointer              ^ payload = raw + DM_FRONT
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
 *   base_free only ever sees a pointer base_malloc returned, exactly once.
 * One lock, dm.lock, guards the bitmaps, the sites and the statistics. They live in memory
 * mapped here, never in the heap under test, and the reporter formats into a stack buffer, so
 * nothing in this layer allocates through itself. The bitmaps cost 1/64 of the address range
 * the heap spans and are touched next to the blocks they describe, which keeps a free in
 * random order from missing the cache twice.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE under -std=c11 */
#endif

#define DMALLOC_DISABLE
#include "dmalloc.h"
#include "internal.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
    lock_t lock;
    uintptr_t chunk_id[DM_CHUNKS]; /* open addressing: (address >> DM_CHUNK_SHIFT) + 1 */
    uint64_t *chunk_bits[DM_CHUNKS];
    size_t chunk_lo[DM_CHUNKS], chunk_hi[DM_CHUNKS]; /* words ever set: [lo, hi) */
    /* dm_chunk's last answer (last_id 0: none yet), since a heap seldom leaves one GiB */
    uintptr_t last_id;
    size_t last_chunk;
    dm_site_t *sites;    /* dense array, nsites used */
    uint32_t *site_slot; /* open addressing: site index + 1, 0 when empty; load <= 1/2 */
    size_t sites_cap;    /* capacity of both site tables, a power of two */
    size_t nsites;
    dmalloc_statistics stats;
} dm = {.lock = LOCK_INITIALIZER};

static void *dm_map(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED) {
        report("dmalloc: cannot map %zu bytes for its tables\n", bytes);
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
    if (id == dm.last_id) return dm.last_chunk;
    size_t i = dm_hash(id, DM_CHUNKS);
    for (size_t n = 0; n < DM_CHUNKS; n++, i = (i + 1) & (DM_CHUNKS - 1)) {
        if (dm.chunk_id[i] == 0) {
            if (!create) return DM_CHUNKS;
            dm.chunk_bits[i] = dm_map(DM_WORDS * sizeof(uint64_t));
            dm.chunk_id[i] = id;
            dm.chunk_lo[i] = DM_WORDS;
        }
        if (dm.chunk_id[i] == id) {
            dm.last_id = id;
            dm.last_chunk = i;
            return i;
        }
    }
    if (create) {
        report("dmalloc: the heap spans more than %d GiB regions\n", DM_CHUNKS);
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
    lock_take(&dm.lock);
    dm.stats.nfail++;
    dm.stats.fail_size = dm_add_sat(dm.stats.fail_size, sz);
    lock_give(&dm.lock);
}

/* A child forked while another thread held dm.lock would inherit it locked: the handlers take
 * it across fork() and give the child a fresh one, as the heap's do. They are registered at the
 * first allocation, outside dm.lock, since pthread_atfork may itself allocate. */
static atomic_int dm_fork_handlers;
static void dm_fork_prepare(void) {
    pthread_mutex_lock(&dm.lock.mutex);
}
static void dm_fork_parent(void) {
    pthread_mutex_unlock(&dm.lock.mutex);
}
static void dm_fork_child(void) {
    pthread_mutex_init(&dm.lock.mutex, NULL);
}

static void *dm_alloc(size_t sz, const char *file, long line) {
    int unregistered = 0;
    if (atomic_load_explicit(&dm_fork_handlers, memory_order_relaxed) == 0 &&
        atomic_compare_exchange_strong(&dm_fork_handlers, &unregistered, 1))
        pthread_atfork(dm_fork_prepare, dm_fork_parent, dm_fork_child);
    unsigned char *raw =
        sz <= SIZE_MAX - DM_FRONT - DM_CANARY ? base_malloc(DM_FRONT + sz + DM_CANARY) : NULL;
    if (raw == NULL) {
        dm_count_failure(sz);
        return NULL;
    }
    unsigned char *p = raw + DM_FRONT;
    memcpy(p - DM_CANARY, dm_canary, DM_CANARY);
    memcpy(p + sz, dm_canary, DM_CANARY);
    uintptr_t first = (uintptr_t)p, end = first + (sz ? sz : 1);

    lock_take(&dm.lock);
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
    if (end > st->heap_max) st->heap_max = end;
    lock_give(&dm.lock);
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
    if (dm.stats.ntotal == 0 || p < dm.stats.heap_min || p >= dm.stats.heap_max) {
        report("MEMORY BUG: %s:%ld: invalid %s of pointer %p, not in heap\n", file, line, op, ptr);
        abort();
    }
    struct dm_inside in = {p, 0};
    if (dm_each_active(dm_contains, &in)) {
        const dm_header_t *h = dm_header((void *)in.block);
        const dm_site_t *s = &dm.sites[h->site];
        report("MEMORY BUG: %s:%ld: invalid %s of pointer %p, not allocated\n", file, line, op,
               ptr);
        report("  %s:%ld: %p is %zu bytes inside a %zu byte region allocated here\n", s->file,
               s->line, ptr, (size_t)(p - in.block), h->size);
        abort();
    }
    report("MEMORY BUG: %s:%ld: invalid %s of pointer %p, %s\n", file, line, op, ptr,
           dm_state(p) & DM_EVER ? "double free" : "not allocated");
    abort();
}

/* The header of the active block ptr after checking it and its canaries; aborts with the error
 * otherwise. Lock held. */
static dm_header_t *dm_check(void *ptr, const char *file, long line, const char *op) {
    /* A block freed in random order is cold: its header and its rear canary are two misses,
     * the second one's address known only once the first arrives with the size. Asking for
     * the lines after the payload's start now overlaps them for payloads of up to ~100 bytes,
     * most of a C program's blocks (a prefetch of an address not mapped does not fault). */
    __builtin_prefetch((char *)ptr + 64);
    __builtin_prefetch((char *)ptr + 128);
    if (!(dm_state((uintptr_t)ptr) & DM_ACTIVE)) dm_invalid(ptr, file, line, op);
    dm_header_t *h = dm_header(ptr);
    const unsigned char *p = ptr;
    if (h->check != dm_check_of((uintptr_t)ptr, h->size, h->site) || h->site >= dm.nsites ||
        memcmp(p - DM_CANARY, dm_canary, DM_CANARY) != 0 ||
        memcmp(p + h->size, dm_canary, DM_CANARY) != 0) {
        report("MEMORY BUG: %s:%ld: detected wild write during %s of pointer %p\n", file, line, op,
               ptr);
        abort();
    }
    return h;
}

static void dm_release(void *ptr, const char *file, long line, const char *op) {
    lock_take(&dm.lock);
    dm_header_t *h = dm_check(ptr, file, line, op);
    dm_set_state((uintptr_t)ptr, DM_EVER);
    dm.stats.nactive--;
    dm.stats.active_size -= h->size;
    lock_give(&dm.lock);
    base_free((unsigned char *)ptr - DM_FRONT);
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
    lock_take(&dm.lock);
    size_t old = dm_check(ptr, file, line, "realloc")->size;
    lock_give(&dm.lock);
    void *moved = dm_alloc(sz, file, line);
    if (moved == NULL) return NULL;
    memcpy(moved, ptr, old < sz ? old : sz);
    dm_release(ptr, file, line, "realloc");
    return moved;
}

void dmalloc_get_statistics(dmalloc_statistics *stats) {
    lock_take(&dm.lock);
    *stats = dm.stats;
    lock_give(&dm.lock);
}

/* The two statistics lines of dmalloc.h for a copy of the statistics. */
static void dm_print_stats(const dmalloc_statistics *st) {
    printf("alloc count: active %10llu   total %10llu   fail %10llu\n", st->nactive, st->ntotal,
           st->nfail);
    printf("alloc size:  active %10llu   total %10llu   fail %10llu\n", st->active_size,
           st->total_size, st->fail_size);
}

void dmalloc_print_statistics(void) {
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    dm_print_stats(&st);
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
    lock_take(&dm.lock);
    dm_each_active(dm_print_leak, NULL);
    lock_give(&dm.lock);
}

/* The sites with at least 1/5 of the bytes allocated, largest first; at most `limit` lines.
 * No more than five sites can qualify, so a fixed array holds them. */
static void dm_heavy_hitters(size_t limit) {
    size_t top[5], ntop = 0;
    lock_take(&dm.lock);
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
    lock_give(&dm.lock);
}

void dmalloc_print_heavy_hitter_report(void) {
    dm_heavy_hitters(5);
}
