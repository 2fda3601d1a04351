/* tracker_dmalloc.c - the tracker's watch on a debugging layer (alloc/dmalloc.h): it counts what
 * the layer was asked and answered, and holds the layer's statistics to those counts.
 *
 * It defines dmalloc_malloc, dmalloc_free, dmalloc_calloc, dmalloc_realloc,
 * dmalloc_get_statistics and dmalloc_print_statistics ahead of the layer's: preloaded, in
 * tracker.so, forwarding to the next definitions (dlsym(RTLD_NEXT)); linked into a static test
 * program, forwarding to the layer's renamed __heaplab_slot_NAME (the Makefile localizes the
 * functions the layer does not define, so a test calling one still fails to link, as without
 * the tracker). Only a thread's outermost call counts: a layer's dmalloc_calloc or
 * dmalloc_realloc that calls its own dmalloc_malloc and dmalloc_free through these is one call.
 * The layer's calls to malloc beneath go on to the tracker's malloc, tracked as before.
 *
 * From the calls and their results it keeps the layer's contract (alloc/dmalloc.h,
 * docs/dmalloc.md): blocks live and their requested bytes, successful allocations and their
 * bytes, failures and the bytes they asked for, the lowest payload and the highest payload byte
 * handed out. At each dmalloc_get_statistics and dmalloc_print_statistics of the program, when no
 * call of the layer is under way in any thread, it reads the layer's statistics and writes a
 * `statistics` violation for each field that disagrees, naming both numbers. A call whose
 * effect on a field the contract leaves open (realloc(p, 0), a calloc whose size overflows, the
 * bytes of a failed realloc; docs/tracker.md lists them) stops that field being compared.
 * A child forked while another thread held the tracker's lock, which this file shares, forwards
 * every call untracked, as the tracker does (tracker.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define DMALLOC_DISABLE
#include "../alloc/dmalloc.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tracker_dmalloc.h"
#include "tracker_record.h"
#include "tracker_table.h"

#define EXPORT __attribute__((visibility("default")))
#define CALLER ((uintptr_t)__builtin_return_address(0))

enum { D_MALLOC, D_FREE, D_CALLOC, D_REALLOC, D_COUNT };
static const char *const call_names[D_COUNT] = {"dmalloc_malloc", "dmalloc_free", "dmalloc_calloc",
                                                "dmalloc_realloc"};

/* The statistics' fields, as bits of a set. */
enum {
    NACTIVE = 1,
    ACTIVE_SIZE = 2,
    NTOTAL = 4,
    TOTAL_SIZE = 8,
    NFAIL = 16,
    FAIL_SIZE = 32,
    HEAP_MIN = 64,
    HEAP_MAX = 128
};

typedef struct {
    void *(*malloc)(size_t, const char *, long);
    void (*free)(void *, const char *, long);
    void *(*calloc)(size_t, size_t, const char *, long);
    void *(*realloc)(void *, size_t, const char *, long);
    void (*get_statistics)(dmalloc_statistics *);
    void (*print_statistics)(void);
} layer_functions;

#ifdef HEAPLAB_TRACKER_LINKED
/* A pointer the compiler may not assume non-null: the Makefile weakens the references to what
   the layer does not define, after compiling. */
static void *opaque(void *p) {
    __asm__("" : "+r"(p));
    return p;
}
#define LAYER(name)                                                                                \
    extern __typeof__(dmalloc_##name) __heaplab_slot_dmalloc_##name;                               \
    static __typeof__(((layer_functions *)0)->name) layer_##name(void) {                           \
        return (__typeof__(((layer_functions *)0)->name))opaque(                                   \
            (void *)__heaplab_slot_dmalloc_##name);                                                \
    }
LAYER(malloc)
LAYER(free)
LAYER(calloc)
LAYER(realloc)
LAYER(get_statistics)
LAYER(print_statistics)
#define NEXT(name) layer_##name()
#else
static layer_functions next;
static pthread_once_t next_found = PTHREAD_ONCE_INIT;

/* Looked up at the program's first call of the layer, not at the tracker's start: a lookup
   that fails allocates dlerror's message, which would show in the counts of every program,
   most of which never call the layer. */
#define LOOKUP(name) next.name = (__typeof__(next.name))dlsym(RTLD_NEXT, "dmalloc_" #name)
static void find_layer(void) {
    LOOKUP(malloc);
    LOOKUP(free);
    LOOKUP(calloc);
    LOOKUP(realloc);
    LOOKUP(get_statistics);
    LOOKUP(print_statistics);
}
#define NEXT(name)   (pthread_once(&next_found, find_layer), next.name)
#endif

/* Preloaded, the tracker defines these whether or not an allocator behind it does; a program
   can reach them only by looking them up (it links against libc alone). */
__attribute__((noreturn)) static void no_layer(const char *name) {
    static const char what[] = ": called under the tracker, and no allocator defines it\n";
    struct iovec line[2] = {{(void *)name, strlen(name)}, {(void *)what, sizeof what - 1}};
    (void)!writev(2, line, 2);
    _exit(127);
}

#define FORWARD_TO(name) (NEXT(name) ? NEXT(name) : (no_layer("dmalloc_" #name), NEXT(name)))

/* The tracker's counts, under the tracker's lock. */
static struct counts {
    tt_table blocks; /* the live blocks the layer handed out, by payload address */
    unsigned long long nactive, active_size, ntotal, total_size, nfail, fail_size;
    uintptr_t lowest, highest; /* the lowest payload and the highest payload byte, when `bounded` */
    int bounded;
    unsigned open;     /* fields a call left open: no longer compared */
    unsigned reported; /* fields found wrong once: not reported again */
    uint64_t calls[D_COUNT];
    uint64_t started; /* outermost calls begun */
    uint64_t running; /* outermost calls not yet finished */
} dm;

/* How deep this thread is in the layer's functions: only the outermost call counts. */
static __thread int depth __attribute__((tls_model("initial-exec")));

static void begin(int call) {
    depth++;
    tracker_lock();
    dm.started++;
    dm.running++;
    dm.calls[call]++;
    tracker_unlock();
}

/* The end of an outermost call; the lock held, released. */
static void end(void) {
    dm.running--;
    tracker_unlock();
    depth--;
}

/* Forgets the live block p before the layer frees or moves it; returns its size, or leaves the
   live counts open when it was not live (a correct layer stops the program then). */
static int forget(void *p, size_t *size) {
    tt_node old;
    if (!tt_remove(&dm.blocks, (uintptr_t)p, &old)) {
        dm.open |= NACTIVE | ACTIVE_SIZE;
        return 0;
    }
    dm.nactive--;
    dm.active_size -= old.size;
    *size = old.size;
    return 1;
}

/* A block of `size` requested bytes the layer handed out at p. */
static void live(void *p, size_t size) {
    uintptr_t lo = (uintptr_t)p;
    if (tt_find(&dm.blocks, lo)) forget(p, &(size_t){0});
    tt_node n = {.lo = lo, .hi = lo + (size ? size : 1), .size = size};
    if (!tt_insert(&dm.blocks, &n)) dm.open |= NACTIVE | ACTIVE_SIZE;
    dm.nactive++;
    dm.active_size += size;
}

/* A sum past 2^64 - 1 (failed requests near SIZE_MAX) is the layer's to saturate or wrap: the
   field is no longer compared. */
static void add(unsigned long long *sum, size_t size, unsigned field) {
    if (__builtin_add_overflow(*sum, size, sum)) dm.open |= field;
}

/* The result of an allocation of `size` bytes, at p or failed; `open_if_failed` names the fields
   a failure leaves open. A zero-byte block bounds nothing: the contract's heap_max is one past
   its last byte, or that byte itself, and a zero-byte block has none. */
static void allocated(void *p, size_t size, unsigned open_if_failed) {
    if (!p) {
        dm.nfail++;
        add(&dm.fail_size, size, FAIL_SIZE);
        dm.open |= open_if_failed;
        return;
    }
    live(p, size);
    dm.ntotal++;
    add(&dm.total_size, size, TOTAL_SIZE);
    if (!size) return;
    uintptr_t lo = (uintptr_t)p, last = lo + (size - 1);
    if (!dm.bounded || lo < dm.lowest) dm.lowest = lo;
    if (!dm.bounded || last > dm.highest) dm.highest = last;
    dm.bounded = 1;
}

/* malloc(0) may fail or succeed: either a failure of no bytes or an allocation of none. */
static unsigned open_if_zero(size_t size) {
    return size ? 0 : NFAIL | NTOTAL;
}

EXPORT void *dmalloc_malloc(size_t sz, const char *file, long line) {
    if (depth || tracker_untracked()) return FORWARD_TO(malloc)(sz, file, line);
    begin(D_MALLOC);
    void *p = FORWARD_TO(malloc)(sz, file, line);
    tracker_lock();
    allocated(p, sz, open_if_zero(sz));
    end();
    return p;
}

EXPORT void dmalloc_free(void *ptr, const char *file, long line) {
    if (depth || !ptr || tracker_untracked()) {
        FORWARD_TO(free)(ptr, file, line);
        return;
    }
    begin(D_FREE);
    tracker_lock();
    forget(ptr, &(size_t){0});
    tracker_unlock();
    FORWARD_TO(free)(ptr, file, line);
    tracker_lock();
    end();
}

EXPORT void *dmalloc_calloc(size_t nmemb, size_t sz, const char *file, long line) {
    if (depth || tracker_untracked()) return FORWARD_TO(calloc)(nmemb, sz, file, line);
    begin(D_CALLOC);
    size_t n;
    int overflow = __builtin_mul_overflow(nmemb, sz, &n);
    void *p = FORWARD_TO(calloc)(nmemb, sz, file, line);
    tracker_lock();
    if (overflow) {
        /* No size expresses the request: what fail_size adds for it is the layer's choice, and
           a block it returned (wrongly) has no size to count. */
        allocated(p, 0, 0);
        dm.open |= FAIL_SIZE | (p ? ACTIVE_SIZE | TOTAL_SIZE : 0);
    } else {
        allocated(p, n, open_if_zero(n));
    }
    end();
    return p;
}

EXPORT void *dmalloc_realloc(void *ptr, size_t sz, const char *file, long line) {
    if (depth || tracker_untracked()) return FORWARD_TO(realloc)(ptr, sz, file, line);
    begin(D_REALLOC);
    size_t old = 0;
    int known = 0;
    if (ptr) {
        tracker_lock();
        known = forget(ptr, &old);
        tracker_unlock();
    }
    void *q = FORWARD_TO(realloc)(ptr, sz, file, line);
    tracker_lock();
    if (ptr && !sz) {
        /* realloc(p, 0) frees p and returns NULL (CS61's handout), or returns a block of no
           bytes, counted as an allocation or not, or fails and keeps p. */
        if (q)
            live(q, 0);
        else
            dm.open |= NACTIVE | ACTIVE_SIZE | NFAIL;
        dm.open |= NTOTAL;
    } else {
        /* A failure keeps the old block; which bytes fail_size adds for it, the new size or
           the growth, the contract does not say. */
        if (!q && known) live(ptr, old);
        allocated(q, sz, FAIL_SIZE | open_if_zero(sz));
    }
    end();
    return q;
}

/* ---- the comparison ------------------------------------------------------------------------- */
/* "dmalloc_get_statistics: nactive 3, the tracker counted 2 live blocks (dmalloc_malloc 5,
   dmalloc_free 3)": the layer's value, the tracker's, and the calls it counted. */
static void mismatch(const char *function, unsigned field, const char *name,
                     unsigned long long layer, int hex, const char *counted,
                     unsigned long long tracker, const char *what, uintptr_t caller) {
    if (dm.reported & field) return;
    dm.reported |= field;
    char buf[512];
    trec_text t = {buf, 0, sizeof buf};
    trec_textf(&t, hex ? "%s: %s 0x%llx%s0x%llx%s (" : "%s: %s %llu%s%llu%s (", function, name,
               layer, counted, tracker, what);
    const char *sep = "";
    for (int c = 0; c < D_COUNT; c++) {
        if (!dm.calls[c]) continue;
        trec_textf(&t, "%s%s %llu", sep, call_names[c], (unsigned long long)dm.calls[c]);
        sep = ", ";
    }
    trec_textf(&t, ")");
    tracker_violation("statistics", function, buf, caller);
}

/* The fields that must equal the tracker's counts: where each is in the layer's statistics and
   in the tracker's, and what the tracker's counts. */
#define EQUAL(field, name, what)                                                                   \
    { field, #name, what, offsetof(dmalloc_statistics, name), offsetof(struct counts, name) }
static const struct {
    unsigned field;
    const char *name, *what;
    size_t layer, dm;
} equal[] = {
    EQUAL(NACTIVE, nactive, " live blocks"),
    EQUAL(ACTIVE_SIZE, active_size, " bytes in live blocks"),
    EQUAL(NTOTAL, ntotal, " successful allocations"),
    EQUAL(TOTAL_SIZE, total_size, " bytes allocated"),
    EQUAL(NFAIL, nfail, " failed allocations"),
    EQUAL(FAIL_SIZE, fail_size, " bytes asked by failed allocations"),
};

/* Compares the layer's statistics with the tracker's counts; the lock held. */
static void compare(const char *fn, const dmalloc_statistics *s, uintptr_t caller) {
    unsigned check = ~dm.open;
    for (size_t i = 0; i < sizeof equal / sizeof *equal; i++) {
        unsigned long long layer = *(const unsigned long long *)((const char *)s + equal[i].layer);
        unsigned long long tracker = *(const unsigned long long *)((const char *)&dm + equal[i].dm);
        if (check & equal[i].field && layer != tracker)
            mismatch(fn, equal[i].field, equal[i].name, layer, 0, ", the tracker counted ", tracker,
                     equal[i].what, caller);
    }
    if (!dm.bounded) return;
    if (check & HEAP_MIN && s->heap_min > dm.lowest)
        mismatch(fn, HEAP_MIN, "heap_min", s->heap_min, 1,
                 ", above the payload the tracker saw at ", dm.lowest, "", caller);
    if (check & HEAP_MAX && s->heap_max < dm.highest)
        mismatch(fn, HEAP_MAX, "heap_max", s->heap_max, 1,
                 ", below the payload byte the tracker saw at ", dm.highest, "", caller);
}

/* Reads the layer's statistics into *s and compares them, unless a call of the layer was under
   way in some thread at any moment of the reading. */
static void read_and_compare(const char *fn, dmalloc_statistics *s, uintptr_t caller) {
    tracker_lock();
    uint64_t started = dm.started, running = dm.running;
    tracker_unlock();
    depth++;
    FORWARD_TO(get_statistics)(s);
    depth--;
    tracker_lock();
    if (!running && dm.started == started) compare(fn, s, caller);
    tracker_unlock();
}

EXPORT void dmalloc_get_statistics(dmalloc_statistics *stats) {
    if (depth || tracker_untracked()) {
        FORWARD_TO(get_statistics)(stats);
        return;
    }
    read_and_compare("dmalloc_get_statistics", stats, CALLER);
}

/* The program asks for the statistics printed: they are read and compared too (a layer's print
   may read its counters without calling dmalloc_get_statistics). */
EXPORT void dmalloc_print_statistics(void) {
    if (!depth && !tracker_untracked() && NEXT(get_statistics)) {
        dmalloc_statistics s;
        read_and_compare("dmalloc_print_statistics", &s, CALLER);
    }
    depth++;
    FORWARD_TO(print_statistics)();
    depth--;
}
