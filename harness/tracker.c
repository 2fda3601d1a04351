/* tracker.c - an LD_PRELOAD interposer that watches whatever allocator serves a program.
 *
 * Preloaded ahead of the allocator (LD_PRELOAD=tracker.so:alloc.so, or tracker.so alone for
 * libc's), it defines malloc, free, calloc, realloc, the aligned family and malloc_usable_size,
 * forwards each call to the next definition (dlsym(RTLD_NEXT)) and records it: the function,
 * the size, the result and the call site. It also defines sbrk, brk, mmap, munmap and mremap,
 * forwarding them too, to learn which memory the allocator obtained from the system (the calls
 * made from the allocator's own object) and its footprint over time.
 *
 * Each block returned is checked: aligned as required, overlapping no live block, and lying in
 * memory the allocator obtained (its sbrk'd and mmap'd ranges and its own static data; checked
 * for a slot, not for libc, whose system calls are internal and invisible here); realloc's
 * result must hold the old block's contents, malloc_usable_size cover the size asked. A violation
 * is written as a record at once; at exit a summary follows, and, when asked, the blocks never
 * freed grouped by allocation site. docs/tracker.md describes the environment and the records.
 * A debugging layer's interface (dmalloc_malloc and the rest) is watched by tracker_dmalloc.c,
 * which borrows this file's lock and violation records (tracker_dmalloc.h).
 *
 * Built with -DHEAPLAB_TRACKER_LINKED, it is linked into a static test program instead, ahead of
 * a copy of the slot whose allocation functions and system calls are renamed __heaplab_slot_NAME
 * (the Makefile's liballoc.tracked.a): the program's malloc is then the tracker's, it forwards to
 * the renamed functions, and the renamed system calls are the slot's alone.
 *
 * Where interposers usually break:
 *   - its own memory (the tables, the site store) is mmap'd, never the watched allocator's;
 *   - calls made while it resolves the next definitions (dlsym allocates) are served from a
 *     static buffer; blocks from it are never passed on;
 *   - calls made from inside a forwarded call (an allocator's calloc calling its own malloc
 *     through the PLT, libc's internals) are forwarded untracked, by a per-thread flag;
 *   - one mutex guards the tables; the allocator is always called outside it, a block's record
 *     removed before it is freed and added after it is returned, so no address is ever seen
 *     live twice. Fork does not take it: an allocator's own fork handler holds the allocator's
 *     lock across fork, and a thread inside the allocator may be waiting for the tracker's (in
 *     its sbrk), so taking the tracker's first would deadlock them. A child forked while another
 *     thread held it finds its tables half-changed and goes on untracked;
 *   - records go to the file HEAPLAB_TRACKER_OUT names, opened for each record, so a program
 *     that closes or reuses its descriptors loses nothing; without it, to standard error only
 *     while descriptor 2 is still the file it was at start;
 *   - a free of a block it never saw is counted and passed on.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracker.h"
#include "tracker_dmalloc.h"
#include "tracker_record.h"
#include "tracker_table.h"

#define EXPORT __attribute__((visibility("default")))

enum fn_id {
    F_MALLOC,
    F_FREE,
    F_CALLOC,
    F_REALLOC,
    F_POSIX_MEMALIGN,
    F_ALIGNED_ALLOC,
    F_MEMALIGN,
    F_VALLOC,
    F_PVALLOC,
    F_USABLE_SIZE,
    F_COUNT
};
_Static_assert((int)F_COUNT == (int)HEAPLAB_TRACKER_FUNCTIONS, "tracker.h counts every function");
static const char *const fn_names[F_COUNT] = {
    "malloc",        "free",     "calloc", "realloc", "posix_memalign",
    "aligned_alloc", "memalign", "valloc", "pvalloc", "malloc_usable_size"};

enum { MAX_FRAMES = 32, MAX_VIOLATIONS = 100, SAMPLE_EVERY = 256 };

/* ---- the next definitions ------------------------------------------------------------------ */
static struct {
    void *(*malloc)(size_t);
    void (*free)(void *);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void *);
    void *(*sbrk)(intptr_t);
    int (*brk)(void *);
    void *(*mmap)(void *, size_t, int, int, int, off_t);
    int (*munmap)(void *, size_t);
    void *(*mremap)(void *, size_t, size_t, int, ...);
} next;

/* ---- state --------------------------------------------------------------------------------- */
enum { UNINIT, INITIALIZING, READY, UNTRACKED };
static _Atomic int state;
/* Set while this thread is inside the tracker or a call it forwards: calls made then are
   forwarded untracked. Initial-exec TLS: reading it never allocates. */
static __thread int inside __attribute__((tls_model("initial-exec")));
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
    char out[4096]; /* HEAPLAB_TRACKER_OUT, copied: the program may change its environment */
    int frames;     /* HEAPLAB_TRACKER_FRAMES: frames kept per allocation site, 1-32 */
    int leaks;      /* HEAPLAB_TRACKER_LEAKS: report the blocks never freed at exit */
    size_t align;   /* HEAPLAB_TRACKER_ALIGN, else HEAPLAB_ALIGN, else 16 */
    int payload;    /* HEAPLAB_TRACKER_PAYLOAD: fill the program's blocks and check them at free */
    dev_t err_dev;  /* descriptor 2 at start, to tell whether it is still that file */
    ino_t err_ino;
    int err_ok;
} cfg;

typedef struct {
    uintptr_t lo, hi;
} span;

/* The allocator: libc's, or the object that defines the next malloc (a slot), with the
   ranges of its mapped segments (to tell its own system calls from the program's) and of its
   writable ones (static memory it may hand out). */
static int libc_mode;
static char allocator_name[1024];
static span allocator_text;
static span allocator_data[8];
static int allocator_data_count;
static span tracker_text;
static span program_text; /* the executable's, whose own blocks HEAPLAB_TRACKER_PAYLOAD fills */
static uintptr_t brk_at_start;

static tt_table blocks;   /* live blocks */
static tt_table obtained; /* a slot's ranges from sbrk, brk, mmap and mremap */

static struct {
    uint64_t calls[F_COUNT]; /* in tracker.h's order */
    uint64_t bytes_requested;
    uint64_t failed;       /* calls that returned no block */
    uint64_t free_unknown; /* frees of blocks never seen (passed on) */
    uint64_t live_bytes, peak_live_bytes, peak_live_blocks;
    uint64_t footprint, peak_footprint;
    uint64_t violations;
    uint64_t since_sample; /* libc: calls since its footprint was last read */
    uintptr_t sampled_brk;
} st;

static trec_record rec; /* the record being written, under the lock */

/* ---- the bootstrap buffer ------------------------------------------------------------------ */
/* dlsym allocates while the next definitions are being looked up; those few blocks come from
   here, each after a 16-byte header holding its size, and are never freed. */
static _Alignas(64) char boot[1 << 16];
static size_t boot_used;

static int is_boot(const void *p) {
    return (const char *)p >= boot && (const char *)p < boot + sizeof boot;
}

static void *boot_alloc(size_t n, size_t align) {
    if (align < 16) align = 16;
    size_t start = (boot_used + 16 + align - 1) & ~(align - 1);
    if (n > sizeof boot || start + n > sizeof boot) return NULL;
    boot_used = start + n;
    memcpy(boot + start - sizeof n, &n, sizeof n);
    return boot + start;
}

static size_t boot_size(const void *p) {
    size_t n;
    memcpy(&n, (const char *)p - sizeof n, sizeof n);
    return n;
}

/* ---- output -------------------------------------------------------------------------------- */
static void emit(trec_record *r) {
    size_t len = trec_finish(r);
    int fd = -1;
    if (cfg.out[0]) {
        fd = open(cfg.out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    } else {
        struct stat sb;
        if (cfg.err_ok && fstat(2, &sb) == 0 && sb.st_dev == cfg.err_dev &&
            sb.st_ino == cfg.err_ino)
            fd = 2;
    }
    if (fd < 0) return;
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, r->buf + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += (size_t)w;
    }
    if (fd != 2) close(fd);
}

/* "malloc(24)", "aligned_alloc(64, 100)", "calloc(24 bytes)", "realloc(…, 24)". Returned by
   value so that a message takes it as a %s argument without a buffer of its own: it lives until
   the end of the statement that calls t_call. */
typedef struct call_text {
    char s[64];
} call_text;

static call_text t_call(int fn, size_t size, size_t align) {
    call_text c;
    trec_text t = {c.s, 0, sizeof c.s};
    if (fn == F_POSIX_MEMALIGN || fn == F_ALIGNED_ALLOC || fn == F_MEMALIGN)
        trec_textf(&t, "%s(%zu, %zu)", fn_names[fn], align, size);
    else
        trec_textf(&t, "%s(%s%zu%s", fn_names[fn], fn == F_REALLOC ? "…, " : "", size,
                   fn == F_CALLOC ? " bytes)" : ")");
    return c;
}

/* A code address as the module that holds it and the offset a symbolizer takes for it. */
static void put_location(trec_record *r, uintptr_t addr) {
    Dl_info info;
    struct link_map *map = NULL;
    trec_hex(r, "addr", addr);
    if (addr && dladdr1((void *)addr, &info, (void **)&map, RTLD_DL_LINKMAP) && map) {
        static char exe[4096];
        const char *module = info.dli_fname;
        if (!module || !module[0] || map->l_name[0] == 0) {
            ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
            exe[n > 0 ? n : 0] = 0;
            module = exe;
        }
        trec_str(r, "module", module);
        trec_hex(r, "offset", addr - map->l_addr);
        if (info.dli_sname) trec_str(r, "symbol", info.dli_sname);
    }
}

/* Writes a violation record; the lock held. A size and block of 0 are left out: a violation
   that concerns no one block (tracker_dmalloc.c's statistics). */
static void write_violation(const char *type, const char *message, const char *function,
                            size_t size, uintptr_t block, uintptr_t caller) {
    if (st.violations++ >= MAX_VIOLATIONS) return;
    trec_begin(&rec, "violation", getpid());
    trec_str(&rec, "type", type);
    trec_str(&rec, "function", function);
    if (size || block) {
        trec_u64(&rec, "size", size);
        trec_hex(&rec, "block", block);
    }
    trec_str(&rec, "message", message);
    trec_object(&rec, "caller");
    put_location(&rec, caller);
    trec_end(&rec);
    emit(&rec);
}

static void violation(const char *type, const char *message, int fn, size_t size, uintptr_t block,
                      uintptr_t caller) {
    write_violation(type, message, fn_names[fn], size, block, caller);
}

/* ---- allocation sites ---------------------------------------------------------------------- */
/* Each distinct call stack (its first cfg.frames return addresses) gets an id, the index of its
   entry in an append-only store mapped with MAP_NORESERVE (only what is used is committed).
   Entry 0 is the unknown site. */
enum { SITE_BUCKETS = 1 << 18, SITE_STORE = 1 << 30 };
typedef struct {
    uint32_t next; /* the next id in the same bucket */
    uint32_t depth;
    uintptr_t frames[];
} site;
static uint32_t *site_buckets;
static char *site_store;
static size_t site_count;

static size_t site_entry_bytes(void) {
    return sizeof(site) + sizeof(uintptr_t) * (size_t)cfg.frames;
}

static site *site_at(uint32_t id) {
    return (site *)(void *)(site_store + (size_t)id * site_entry_bytes());
}

static uint32_t site_id(const uintptr_t *frames, int depth) {
    if (!site_store) return 0;
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < depth; i++) h = (h ^ frames[i]) * 1099511628211ull;
    uint32_t *bucket = &site_buckets[h & (SITE_BUCKETS - 1)];
    for (uint32_t id = *bucket; id; id = site_at(id)->next) {
        site *s = site_at(id);
        if ((int)s->depth == depth &&
            memcmp(s->frames, frames, sizeof(uintptr_t) * (size_t)depth) == 0)
            return id;
    }
    if ((site_count + 1) * site_entry_bytes() > SITE_STORE || site_count + 1 > UINT32_MAX) return 0;
    uint32_t id = (uint32_t)++site_count;
    site *s = site_at(id);
    s->next = *bucket;
    s->depth = (uint32_t)depth;
    memcpy(s->frames, frames, sizeof(uintptr_t) * (size_t)depth);
    *bucket = id;
    return id;
}

static int in_span(span s, uintptr_t a) {
    return a >= s.lo && a < s.hi;
}

/* The return addresses of the call being tracked, outside the tracker: the caller alone by
   default (cheap), a backtrace when more frames are asked. Outside the lock. */
static int capture(uintptr_t caller, uintptr_t *frames) {
    if (cfg.frames <= 1) {
        frames[0] = caller;
        return 1;
    }
    void *raw[MAX_FRAMES + 8];
    inside = 1; /* the unwinder may allocate (it was loaded at setup, but to be sure) */
    int n = backtrace(raw, MAX_FRAMES + 8), depth = 0;
    inside = 0;
    for (int i = 0; i < n && depth < cfg.frames; i++) {
        uintptr_t a = (uintptr_t)raw[i];
        if (depth == 0 && in_span(tracker_text, a)) continue;
        frames[depth++] = a;
    }
    if (depth == 0) frames[depth++] = caller;
    return depth;
}

/* ---- footprint ----------------------------------------------------------------------------- */
static void note_footprint(uint64_t bytes) {
    st.footprint = bytes;
    if (bytes > st.peak_footprint) st.peak_footprint = bytes;
}

/* libc's allocator makes its system calls internally, out of sight: its footprint is what it
   reports (mallinfo2: arena bytes plus mmap'd chunks), read whenever the program break moved,
   a chunk was mmap'd (glibc's header flag), and every SAMPLE_EVERY calls. Under the lock:
   mallinfo2 takes libc's arena locks, and no thread holding one ever waits for the tracker's. */
static void sample_libc(void *block) {
    int due = ++st.since_sample >= SAMPLE_EVERY;
    uintptr_t cur = (uintptr_t)next.sbrk(0);
    if (cur != st.sampled_brk) due = 1;
    if (block && (((size_t *)block)[-1] & 2)) due = 1;
    if (!due) return;
    st.since_sample = 0;
    st.sampled_brk = cur;
    struct mallinfo2 mi = mallinfo2();
    note_footprint(mi.arena + mi.hblkhd);
}

static void obtained_changed(void) {
    note_footprint(obtained.total);
}

/* ---- checks and records -------------------------------------------------------------------- */
static int owned_by_allocator(uintptr_t lo, uintptr_t hi) {
    if (tt_range_covers(&obtained, lo, hi)) return 1;
    for (int i = 0; i < allocator_data_count; i++)
        if (lo >= allocator_data[i].lo && hi <= allocator_data[i].hi) return 1;
    return 0;
}

static void count_call(int fn, size_t size) {
    pthread_mutex_lock(&lock);
    st.calls[fn]++;
    st.bytes_requested += size;
    pthread_mutex_unlock(&lock);
}

/* ---- payloads (HEAPLAB_TRACKER_PAYLOAD) --------------------------------------------------- */
/* A test that never writes into its blocks may ask the tracker to fill each block the program
   itself allocates with a pattern of its addresses, and to check at free and realloc that the
   pattern is intact: an allocator that writes its bookkeeping into a block it handed out (a
   footer past a block's end, a link in the wrong block) is caught in the test where it happened,
   even when no overlap shows. calloc's blocks must stay zero. The program's own calls only:
   libc writes into the buffers it allocates. */
enum { PAYLOAD_NONE, PAYLOAD_PATTERN, PAYLOAD_ZERO };

static unsigned char pattern_at(uintptr_t a) {
    return (unsigned char)((a ^ (a >> 8)) * 0x9d + 0x5b);
}

static void fill_payload(uintptr_t lo, size_t n) {
    unsigned char *b = (unsigned char *)lo;
    for (size_t i = 0; i < n; i++) b[i] = pattern_at(lo + i);
}

/* Under the lock: names the first byte of the block *n that is not as the tracker left it. */
static void check_payload(const tt_node *n, const char *when, uintptr_t caller) {
    const unsigned char *b = (const unsigned char *)n->lo;
    for (size_t i = 0; i < n->size; i++) {
        unsigned char want = n->payload == PAYLOAD_ZERO ? 0 : pattern_at(n->lo + i);
        if (b[i] == want) continue;
        char buf[512];
        trec_text t = {buf, 0, sizeof buf};
        trec_textf(&t,
                   "block 0x%zx of %s changed while live (found at %s): byte %zu is 0x%zx, the "
                   "tracker wrote 0x%zx; the program never writes into its blocks here, so the "
                   "allocator did",
                   n->lo, t_call(n->fn, n->size, n->align).s, when, i, (size_t)b[i], (size_t)want);
        violation("payload", buf, n->fn, n->size, n->lo, caller);
        return;
    }
}

/* Records the block p that the call fn(size) (aligned to `align` when it asked) returned, after
   checking it. */
static void record_block(int fn, size_t size, size_t align, void *p, uintptr_t caller) {
    uintptr_t frames[MAX_FRAMES];
    int depth = p ? capture(caller, frames) : 0;
    pthread_mutex_lock(&lock);
    inside = 1;
    if (libc_mode) sample_libc(p);
    st.calls[fn]++;
    st.bytes_requested += size;
    if (!p) {
        st.failed++;
        inside = 0;
        pthread_mutex_unlock(&lock);
        return;
    }
    uintptr_t lo = (uintptr_t)p, hi = lo + (size ? size : 1);
    if (hi < lo) hi = UINTPTR_MAX;
    char buf[512];
    trec_text t = {buf, 0, sizeof buf};

    size_t need = align ? align : cfg.align;
    /* An alignment that is not a power of two is an invalid request: whatever a library makes
       of it, there is nothing to check the block against. */
    if (need & (need - 1)) need = 1;
    if (lo & (need - 1)) {
        trec_textf(&t, "%s returned 0x%zx, %zu-byte aligned; %zu required",
                   t_call(fn, size, align).s, lo, lo & -lo, need);
        violation("misaligned", buf, fn, size, lo, caller);
        t.len = 0;
    }
    if (!libc_mode && !owned_by_allocator(lo, hi)) {
        uintptr_t brk_now = (uintptr_t)next.sbrk(0);
        trec_textf(&t, "%s returned memory the allocator never obtained (%s) at 0x%zx",
                   t_call(fn, size, align).s,
                   lo >= brk_at_start && lo < brk_now ? "libc's heap" : "memory it did not map",
                   lo);
        violation("not-obtained", buf, fn, size, lo, caller);
        t.len = 0;
    }
    tt_node *other;
    while ((other = tt_overlapping(&blocks, lo, hi))) {
        trec_textf(&t, "block 0x%zx of %s overlaps live block 0x%zx of %s", lo,
                   t_call(fn, size, align).s, other->lo,
                   t_call(other->fn, other->size, other->align).s);
        violation("overlap", buf, fn, size, lo, caller);
        t.len = 0;
        /* The older block is forgotten: its memory is the new block's now. */
        st.live_bytes -= other->size;
        tt_remove(&blocks, other->lo, NULL);
    }
    tt_node n = {.lo = lo, .hi = hi, .size = size, .fn = (uint8_t)fn, .align = (uint32_t)align};
    n.site = site_id(frames, depth);
    if (cfg.payload && in_span(program_text, caller)) {
        /* A realloc'd block is filled anew: its copy was checked already. */
        n.payload = fn == F_CALLOC ? PAYLOAD_ZERO : PAYLOAD_PATTERN;
        if (n.payload == PAYLOAD_PATTERN) fill_payload(lo, size);
    }
    if (tt_insert(&blocks, &n)) {
        st.live_bytes += size;
        if (st.live_bytes > st.peak_live_bytes) st.peak_live_bytes = st.live_bytes;
        if (blocks.count > st.peak_live_blocks) st.peak_live_blocks = blocks.count;
    }
    inside = 0;
    pthread_mutex_unlock(&lock);
}

/* Forgets the live block p before it is freed or resized, counting the call fn unless it is
   negative (realloc is counted with its result); returns whether it was live, with its record
   in *old; a block the tracker filled is checked first. */
static int forget_block(int fn, void *p, tt_node *old, uintptr_t caller) {
    pthread_mutex_lock(&lock);
    if (fn >= 0) st.calls[fn]++;
    int known = tt_remove(&blocks, (uintptr_t)p, old);
    if (known)
        st.live_bytes -= old->size;
    else
        st.free_unknown++;
    if (known && old->payload != PAYLOAD_NONE) {
        inside = 1;
        check_payload(old, fn == F_FREE ? "free" : "realloc", caller);
        inside = 0;
    }
    pthread_mutex_unlock(&lock);
    return known;
}

/* ---- initialization ------------------------------------------------------------------------ */
static void *lookup(const char *name) {
    return dlsym(RTLD_NEXT, name);
}

struct find_object {
    uintptr_t base;
    const char *name;
    span text;
    span data[8];
    int data_count;
};

static int find_object_cb(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    struct find_object *f = arg;
    if (info->dlpi_addr != f->base || strcmp(info->dlpi_name, f->name) != 0) return 0;
    f->text.lo = UINTPTR_MAX;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD) continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (lo < f->text.lo) f->text.lo = lo;
        if (hi > f->text.hi) f->text.hi = hi;
        if ((ph->p_flags & PF_W) && f->data_count < 8) f->data[f->data_count++] = (span){lo, hi};
    }
    return 1;
}

/* The executable, the first object the dynamic linker lists. */
static int first_object_cb(struct dl_phdr_info *info, size_t size, void *arg) {
    struct find_object *f = arg;
    f->base = info->dlpi_addr;
    f->name = info->dlpi_name;
    return find_object_cb(info, size, arg);
}

/* The segments of the object holding code address `addr`. */
static struct find_object object_of(void *addr) {
    struct find_object f = {0};
    Dl_info info;
    struct link_map *map = NULL;
    if (dladdr1(addr, &info, (void **)&map, RTLD_DL_LINKMAP) && map) {
        f.base = map->l_addr;
        f.name = map->l_name;
        dl_iterate_phdr(find_object_cb, &f);
        if (info.dli_fname) f.name = info.dli_fname;
    }
    return f;
}

static long env_number(const char *name, long fallback, long lo, long hi) {
    const char *s = getenv(name);
    if (!s || !*s) return fallback;
    char *end;
    long v = strtol(s, &end, 10);
    return *end || v < lo || v > hi ? fallback : v;
}

static void read_config(void) {
    const char *out = getenv("HEAPLAB_TRACKER_OUT");
    if (out && strlen(out) < sizeof cfg.out) strcpy(cfg.out, out);
    cfg.frames = (int)env_number("HEAPLAB_TRACKER_FRAMES", 1, 1, MAX_FRAMES);
    cfg.leaks = env_number("HEAPLAB_TRACKER_LEAKS", 0, 0, 1) == 1;
    cfg.payload = env_number("HEAPLAB_TRACKER_PAYLOAD", 0, 0, 1) == 1;
    long align = env_number("HEAPLAB_ALIGN", 16, 1, 4096);
    align = env_number("HEAPLAB_TRACKER_ALIGN", align, 1, 4096);
    cfg.align = (size_t)align & (size_t)(align - 1) ? 16 : (size_t)align;
    /* Linked into every static test program, it writes only where HEAPLAB_TRACKER_OUT asks: a
       test run by hand, or under a debugger, prints what it always did. */
#ifndef HEAPLAB_TRACKER_LINKED
    struct stat sb;
    if (fstat(2, &sb) == 0) {
        cfg.err_dev = sb.st_dev;
        cfg.err_ino = sb.st_ino;
        cfg.err_ok = 1;
    }
#endif
}

/* The child counts from the fork on; the blocks it inherited stay live in it. Unless another
   thread held the lock when the child was forked: its tables may be half-changed, and it
   forwards every call from now on, writing no records. */
static void at_fork_child(void) {
    if (pthread_mutex_trylock(&lock) != 0) {
        pthread_mutex_init(&lock, NULL);
        atomic_store(&state, UNTRACKED);
        return;
    }
    memset(st.calls, 0, sizeof st.calls);
    st.bytes_requested = st.failed = st.free_unknown = st.violations = 0;
    st.peak_live_bytes = st.live_bytes;
    st.peak_live_blocks = blocks.count;
    st.peak_footprint = st.footprint;
    pthread_mutex_unlock(&lock);
}

#ifdef HEAPLAB_TRACKER_LINKED
/* The static build (docs/tracker.md): the slot's objects are linked into the program with their
   allocation functions renamed __heaplab_slot_NAME, so the program's malloc is the tracker's and
   forwards to them. A function the slot does not define is the next one, libc's. */
#define SLOT_FUNCTION(name) extern __typeof__(name) __heaplab_slot_##name __attribute__((weak));
#define SLOT_OR_NEXT(name)                                                                         \
    (__heaplab_slot_##name ? __heaplab_slot_##name : (__typeof__(next.name))lookup(#name))
#else
#define SLOT_FUNCTION(name)
#define SLOT_OR_NEXT(name) ((__typeof__(next.name))lookup(#name))
#endif
SLOT_FUNCTION(malloc)
SLOT_FUNCTION(free)
SLOT_FUNCTION(calloc)
SLOT_FUNCTION(realloc)
SLOT_FUNCTION(posix_memalign)
SLOT_FUNCTION(aligned_alloc)
SLOT_FUNCTION(memalign)
SLOT_FUNCTION(valloc)
SLOT_FUNCTION(pvalloc)
SLOT_FUNCTION(malloc_usable_size)

static void setup(void) {
    next.malloc = SLOT_OR_NEXT(malloc);
    next.free = SLOT_OR_NEXT(free);
    next.calloc = SLOT_OR_NEXT(calloc);
    next.realloc = SLOT_OR_NEXT(realloc);
    next.posix_memalign = SLOT_OR_NEXT(posix_memalign);
    next.aligned_alloc = SLOT_OR_NEXT(aligned_alloc);
    next.memalign = SLOT_OR_NEXT(memalign);
    next.valloc = SLOT_OR_NEXT(valloc);
    next.pvalloc = SLOT_OR_NEXT(pvalloc);
    next.malloc_usable_size = SLOT_OR_NEXT(malloc_usable_size);
    next.sbrk = lookup("sbrk");
    next.brk = lookup("brk");
    next.mmap = lookup("mmap");
    next.munmap = lookup("munmap");
    next.mremap = lookup("mremap");
    read_config();

    struct find_object alloc = object_of((void *)next.malloc);
    struct find_object libc = object_of((void *)next.sbrk);
    libc_mode = alloc.base == libc.base && strcmp(alloc.name, libc.name) == 0;
    strncpy(allocator_name, libc_mode ? "libc" : alloc.name, sizeof allocator_name - 1);
    allocator_text = alloc.text;
    memcpy(allocator_data, alloc.data, sizeof allocator_data);
    allocator_data_count = alloc.data_count;
    tracker_text = object_of((void *)setup).text;
    struct find_object program = {0};
    dl_iterate_phdr(first_object_cb, &program);
    program_text = program.text;
    brk_at_start = (uintptr_t)next.sbrk(0);
    st.sampled_brk = brk_at_start;

    void *b = tt_map(SITE_BUCKETS * sizeof(uint32_t), 1);
    void *s = tt_map(SITE_STORE, 1);
    if (b && s) {
        site_buckets = b;
        site_store = s;
    }
    pthread_atfork(NULL, NULL, at_fork_child);
    /* The first backtrace loads the unwinder, which allocates: done now, untracked. */
    if (cfg.frames > 1) {
        void *frames[2];
        backtrace(frames, 2);
    }
}

/* Whether calls can be tracked now. The first thread to get here sets the tracker up; its own
   nested calls meanwhile find `inside` set and take the bootstrap path; another thread waits. */
static int ready(void) {
    int now = atomic_load_explicit(&state, memory_order_acquire);
    if (now == READY) return 1;
    if (inside || now == UNTRACKED) return 0;
    int expected = UNINIT;
    if (atomic_compare_exchange_strong(&state, &expected, INITIALIZING)) {
        inside = 1;
        setup();
        inside = 0;
        atomic_store_explicit(&state, READY, memory_order_release);
        return 1;
    }
    while (atomic_load_explicit(&state, memory_order_acquire) != READY) sched_yield();
    return 1;
}

/* A child forked at a bad moment (at_fork_child): everything is forwarded as it is. */
static int untracked(void) {
    return atomic_load_explicit(&state, memory_order_relaxed) == UNTRACKED;
}

__attribute__((constructor)) static void tracker_start(void) {
    ready();
}

/* ---- the allocation functions -------------------------------------------------------------- */
#define CALLER ((uintptr_t)__builtin_return_address(0))

/* Forwards the call `expr` with `inside` set, so that what it calls is not tracked twice. */
#define FORWARD(expr)                                                                              \
    __extension__({                                                                                \
        inside = 1;                                                                                \
        __typeof__(expr) result_ = (expr);                                                         \
        inside = 0;                                                                                \
        result_;                                                                                   \
    })

static void *no_memory(void) {
    errno = ENOMEM;
    return NULL;
}

EXPORT void *malloc(size_t n) {
    if (!ready()) return next.malloc ? next.malloc(n) : boot_alloc(n, 16);
    if (inside) return next.malloc(n);
    void *p = FORWARD(next.malloc(n));
    record_block(F_MALLOC, n, 0, p, CALLER);
    return p;
}

EXPORT void *calloc(size_t count, size_t size) {
    size_t n;
    int overflow = __builtin_mul_overflow(count, size, &n);
    if (!ready()) {
        if (next.calloc) return next.calloc(count, size);
        return overflow ? no_memory()
                        : boot_alloc(n, 16); /* boot is zeroed: static, never reused */
    }
    if (inside) return next.calloc(count, size);
    void *p = FORWARD(next.calloc(count, size));
    record_block(F_CALLOC, overflow ? SIZE_MAX : n, 0, p, CALLER);
    return p;
}

EXPORT void free(void *p) {
    if (is_boot(p)) return;
    if (!ready()) {
        if (next.free) next.free(p);
        return;
    }
    if (inside || !p) {
        if (!inside) count_call(F_FREE, 0);
        next.free(p);
        return;
    }
    tt_node old;
    forget_block(F_FREE, p, &old, CALLER);
    FORWARD((next.free(p), 0));
}

/* A checksum of n bytes, a word at a time: what realloc must carry over. */
static uint64_t checksum(const void *p, size_t n) {
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ull;
    size_t i = 0;
    for (uint64_t w; i + sizeof w <= n; i += sizeof w) {
        memcpy(&w, b + i, sizeof w);
        h = (h ^ w) * 1099511628211ull;
    }
    for (; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static void realloc_lost_contents(const tt_node *old, void *q, size_t n, size_t kept,
                                  uintptr_t caller) {
    pthread_mutex_lock(&lock);
    inside = 1;
    char buf[512];
    trec_text t = {buf, 0, sizeof buf};
    trec_textf(&t,
               "realloc(0x%zx, %zu) returned 0x%zx without the first %zu bytes of the block of %s",
               old->lo, n, (uintptr_t)q, kept, t_call(old->fn, old->size, old->align).s);
    violation("realloc-copy", buf, F_REALLOC, n, (uintptr_t)q, caller);
    inside = 0;
    pthread_mutex_unlock(&lock);
}

EXPORT void *realloc(void *p, size_t n) {
    if (is_boot(p)) {
        void *q = malloc(n);
        if (q) memcpy(q, p, boot_size(p) < n ? boot_size(p) : n);
        return q;
    }
    if (!ready()) return next.realloc ? next.realloc(p, n) : no_memory();
    if (inside) return next.realloc(p, n);
    tt_node old;
    int known = p && forget_block(-1, p, &old, CALLER);
    size_t kept = known ? (old.size < n ? old.size : n) : 0;
    uint64_t contents = kept ? checksum(p, kept) : 0;
    void *q = FORWARD(next.realloc(p, n));
    if (q && kept && checksum(q, kept) != contents) realloc_lost_contents(&old, q, n, kept, CALLER);
    if (!q && p && n && known) {
        /* Not resized: the block is still live, as it was. */
        pthread_mutex_lock(&lock);
        if (tt_insert(&blocks, &old)) st.live_bytes += old.size;
        pthread_mutex_unlock(&lock);
    }
    if (q || !p || n)
        record_block(F_REALLOC, n, 0, q, CALLER);
    else
        count_call(F_REALLOC, 0); /* realloc(p, 0) freed p */
    return q;
}

EXPORT int posix_memalign(void **out, size_t align, size_t n) {
    if (!ready()) {
        if (next.posix_memalign) return next.posix_memalign(out, align, n);
        *out = boot_alloc(n, align);
        return *out ? 0 : ENOMEM;
    }
    if (!next.posix_memalign) return ENOMEM;
    if (inside) return next.posix_memalign(out, align, n);
    int r = FORWARD(next.posix_memalign(out, align, n));
    record_block(F_POSIX_MEMALIGN, n, align, r == 0 ? *out : NULL, CALLER);
    return r;
}

/* The aligned family's remaining members share one shape: fn(align, n) or fn(n). */
static void *aligned(int fn, void *(*two)(size_t, size_t), void *(*one)(size_t), size_t align,
                     size_t n, size_t check_align, uintptr_t caller) {
    if (!(two || one)) return no_memory();
    if (untracked()) return two ? two(align, n) : one(n);
    if (!ready()) return boot_alloc(n, check_align);
    if (inside) return two ? two(align, n) : one(n);
    void *p = FORWARD(two ? two(align, n) : one(n));
    record_block(fn, n, check_align, p, caller);
    return p;
}

EXPORT void *aligned_alloc(size_t align, size_t n) {
    return aligned(F_ALIGNED_ALLOC, next.aligned_alloc, NULL, align, n, align, CALLER);
}

EXPORT void *memalign(size_t align, size_t n) {
    return aligned(F_MEMALIGN, next.memalign, NULL, align, n, align, CALLER);
}

EXPORT void *valloc(size_t n) {
    return aligned(F_VALLOC, NULL, next.valloc, 0, n, (size_t)sysconf(_SC_PAGESIZE), CALLER);
}

EXPORT void *pvalloc(size_t n) {
    return aligned(F_PVALLOC, NULL, next.pvalloc, 0, n, (size_t)sysconf(_SC_PAGESIZE), CALLER);
}

EXPORT size_t malloc_usable_size(void *p) {
    if (is_boot(p)) return boot_size(p);
    if (!ready() || inside || !next.malloc_usable_size)
        return next.malloc_usable_size ? next.malloc_usable_size(p) : 0;
    size_t usable = FORWARD(next.malloc_usable_size(p));
    pthread_mutex_lock(&lock);
    inside = 1;
    st.calls[F_USABLE_SIZE]++;
    tt_node *n = p ? tt_find(&blocks, (uintptr_t)p) : NULL;
    if (n && usable < n->size) {
        char buf[512];
        trec_text t = {buf, 0, sizeof buf};
        trec_textf(&t, "malloc_usable_size(0x%zx) returned %zu, less than the block's %s", n->lo,
                   usable, t_call(n->fn, n->size, n->align).s);
        violation("usable-size", buf, F_USABLE_SIZE, n->size, n->lo, CALLER);
    }
    inside = 0;
    pthread_mutex_unlock(&lock);
    return usable;
}

/* ---- the system calls that obtain memory --------------------------------------------------- */
static uintptr_t page_round(size_t n) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (n + page - 1) & ~(page - 1);
}

/* Whether a call from `caller` obtains memory for the allocator: a slot's own calls, and those
   that return into the tracker, which the tracker never makes itself (its own memory comes from
   tt_map): an allocator function the tracker called that ends in a tail call (`return
   mmap(...)`, `free` ending in `munmap`). */
#ifdef HEAPLAB_TRACKER_LINKED
/* Linked, the slot's objects call these by their renamed names (__heaplab_slot_sbrk, ...): every
   call that reaches them is the allocator's, and the program's own calls go to libc's unseen. */
#define SYSTEM_CALL(name) __heaplab_slot_##name
static int allocators_call(uintptr_t caller) {
    (void)caller;
    return !libc_mode;
}
#else
#define SYSTEM_CALL(name) name
static int allocators_call(uintptr_t caller) {
    return !libc_mode && (in_span(allocator_text, caller) || in_span(tracker_text, caller));
}
#endif

static void range_change(uintptr_t add_lo, uintptr_t add_hi, uintptr_t drop_lo, uintptr_t drop_hi) {
    pthread_mutex_lock(&lock);
    tt_range_remove(&obtained, drop_lo, drop_hi);
    tt_range_add(&obtained, add_lo, add_hi);
    obtained_changed();
    pthread_mutex_unlock(&lock);
}

/* Memory given back is forgotten before the system call, memory obtained recorded after it:
   so that when another thread's mmap gets the same addresses the moment they are unmapped, its
   record is never the one erased. Returns whether [lo, hi) was all the allocator's, to restore
   it if the call fails. */
static int forget_range(uintptr_t lo, uintptr_t hi) {
    pthread_mutex_lock(&lock);
    int covered = tt_range_covers(&obtained, lo, hi);
    tt_range_remove(&obtained, lo, hi);
    obtained_changed();
    pthread_mutex_unlock(&lock);
    return covered;
}

EXPORT void *SYSTEM_CALL(sbrk)(intptr_t incr) {
    if (!ready() && !next.sbrk) return (errno = ENOMEM, (void *)-1);
    if (untracked()) return next.sbrk(incr);
    int ours = incr && allocators_call(CALLER);
    uintptr_t top = (uintptr_t)next.sbrk(0), shrink = incr < 0 ? (uintptr_t)-incr : 0;
    int restore = ours && shrink && forget_range(top - shrink, top);
    uintptr_t old = (uintptr_t)next.sbrk(incr);
    if (old == (uintptr_t)-1) {
        if (restore) range_change(top - shrink, top, 0, 0);
    } else if (ours && incr > 0) {
        range_change(old, old + (uintptr_t)incr, 0, 0);
    }
    return (void *)old;
}

EXPORT int SYSTEM_CALL(brk)(void *addr) {
    if (!ready() && !next.brk) return (errno = ENOMEM, -1);
    if (untracked()) return next.brk(addr);
    int ours = allocators_call(CALLER);
    uintptr_t before = (uintptr_t)next.sbrk(0), after = (uintptr_t)addr;
    int restore = ours && after < before && forget_range(after, before);
    int r = next.brk(addr);
    if (r != 0) {
        if (restore) range_change(after, before, 0, 0);
    } else if (ours && after > before) {
        range_change(before, after, 0, 0);
    }
    return r;
}

static void *mmap_from(uintptr_t caller, void *addr, size_t len, int prot, int flags, int fd,
                       off_t off) {
    if (!ready() && !next.mmap) return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    if (untracked()) return next.mmap(addr, len, prot, flags, fd, off);
    void *p = next.mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && allocators_call(caller))
        range_change((uintptr_t)p, (uintptr_t)p + page_round(len), 0, 0);
    return p;
}

EXPORT void *SYSTEM_CALL(mmap)(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    return mmap_from(CALLER, addr, len, prot, flags, fd, off);
}

EXPORT void *SYSTEM_CALL(mmap64)(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    return mmap_from(CALLER, addr, len, prot, flags, fd, off);
}

EXPORT int SYSTEM_CALL(munmap)(void *addr, size_t len) {
    if (!ready() && !next.munmap) return (int)syscall(SYS_munmap, addr, len);
    if (untracked()) return next.munmap(addr, len);
    /* Any unmapping of the allocator's memory takes it away, whoever asks. */
    uintptr_t lo = (uintptr_t)addr, hi = lo + page_round(len);
    int restore = !libc_mode && forget_range(lo, hi);
    int r = next.munmap(addr, len);
    if (r != 0 && restore) range_change(lo, hi, 0, 0);
    return r;
}

EXPORT void *SYSTEM_CALL(mremap)(void *old, size_t old_len, size_t new_len, int flags, ...) {
    void *want = NULL;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        want = va_arg(ap, void *);
        va_end(ap);
    }
    if (!ready() && !next.mremap)
        return (void *)syscall(SYS_mremap, old, old_len, new_len, flags, want);
    if (untracked()) return next.mremap(old, old_len, new_len, flags, want);
    uintptr_t lo = (uintptr_t)old, hi = lo + page_round(old_len);
    int ours = allocators_call(CALLER);
    int covered = !libc_mode && forget_range(lo, hi);
    void *p = next.mremap(old, old_len, new_len, flags, want);
    if (p == MAP_FAILED) {
        if (covered) range_change(lo, hi, 0, 0);
    } else if (ours || covered) {
        range_change((uintptr_t)p, (uintptr_t)p + page_round(new_len), 0, 0);
    }
    return p;
}

/* ---- what a program may ask (tracker.h) ----------------------------------------------------- */
EXPORT void heaplab_tracker_counts_now(heaplab_tracker_counts *out) {
    if (!ready()) return;
    pthread_mutex_lock(&lock);
    if (libc_mode) {
        st.since_sample = SAMPLE_EVERY;
        sample_libc(NULL);
    }
    memcpy(out->calls, st.calls, sizeof out->calls);
    out->bytes_requested = st.bytes_requested;
    out->failed = st.failed;
    out->free_unknown = st.free_unknown;
    out->live_blocks = blocks.count;
    out->live_bytes = st.live_bytes;
    out->peak_live_blocks = st.peak_live_blocks;
    out->peak_live_bytes = st.peak_live_bytes;
    out->footprint = st.footprint;
    out->peak_footprint = st.peak_footprint;
    out->violations = st.violations;
    pthread_mutex_unlock(&lock);
}

EXPORT const char *heaplab_tracker_allocator(void) {
    ready();
    return allocator_name;
}

/* ---- what tracker_dmalloc.c borrows (tracker_dmalloc.h) ------------------------------------ */
int tracker_untracked(void) {
    return untracked();
}

void tracker_lock(void) {
    pthread_mutex_lock(&lock);
}

void tracker_unlock(void) {
    pthread_mutex_unlock(&lock);
}

void tracker_violation(const char *type, const char *function, const char *message,
                       uintptr_t caller) {
    int was_inside = inside;
    inside = 1; /* dladdr, naming the call site, may allocate */
    write_violation(type, message, function, 0, 0, caller);
    inside = was_inside;
}

/* ---- at exit ------------------------------------------------------------------------------- */
extern void __libc_freeres(void) __attribute__((weak));

typedef struct {
    uint64_t blocks, bytes;
} leak_total;

static void add_leak(const tt_node *n, void *arg) {
    leak_total *per_site = arg;
    per_site[n->site].blocks++;
    per_site[n->site].bytes += n->size;
}

static uint64_t report_leaks(void) {
    size_t bytes = (site_count + 1) * sizeof(leak_total);
    leak_total *per_site = tt_map(bytes, 0);
    if (!per_site) return 0;
    tt_walk(&blocks, add_leak, per_site);
    uint64_t sites = 0;
    for (size_t id = 0; id <= site_count; id++) {
        if (!per_site[id].blocks) continue;
        sites++;
        trec_begin(&rec, "leak", getpid());
        trec_u64(&rec, "blocks", per_site[id].blocks);
        trec_u64(&rec, "bytes", per_site[id].bytes);
        trec_array(&rec, "frames");
        const site *s = id && site_store ? site_at((uint32_t)id) : NULL;
        for (uint32_t i = 0; s && i < s->depth; i++) {
            trec_object(&rec, NULL);
            put_location(&rec, s->frames[i]);
            trec_end(&rec);
        }
        trec_end(&rec);
        emit(&rec);
    }
    tt_unmap(per_site, bytes);
    return sites;
}

__attribute__((destructor)) static void tracker_finish(void) {
    if (atomic_load(&state) != READY) return;
    /* libc keeps its stdio buffers, locale data and thread stacks to the end; freed now, they
       are not mistaken for the program's leaks (valgrind does the same). */
    if (cfg.leaks && __libc_freeres) __libc_freeres();
    pthread_mutex_lock(&lock);
    inside = 1;
    if (libc_mode) {
        st.since_sample = SAMPLE_EVERY;
        sample_libc(NULL);
    }
    uint64_t sites = cfg.leaks ? report_leaks() : 0;
    static char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    trec_begin(&rec, "summary", getpid());
    trec_u64(&rec, "ppid", (uint64_t)getppid());
    trec_str(&rec, "exe", exe);
    trec_str(&rec, "allocator", allocator_name);
    trec_object(&rec, "calls");
    for (int fn = 0; fn < F_COUNT; fn++) trec_u64(&rec, fn_names[fn], st.calls[fn]);
    trec_end(&rec);
    trec_u64(&rec, "bytes_requested", st.bytes_requested);
    trec_u64(&rec, "failed", st.failed);
    trec_u64(&rec, "free_unknown", st.free_unknown);
    trec_u64(&rec, "live_blocks", blocks.count);
    trec_u64(&rec, "live_bytes", st.live_bytes);
    trec_u64(&rec, "peak_live_blocks", st.peak_live_blocks);
    trec_u64(&rec, "peak_live_bytes", st.peak_live_bytes);
    trec_u64(&rec, "footprint", st.footprint);
    trec_u64(&rec, "peak_footprint", st.peak_footprint);
    trec_u64(&rec, "violations", st.violations);
    if (cfg.leaks) trec_u64(&rec, "leak_sites", sites);
    emit(&rec);
    inside = 0;
    pthread_mutex_unlock(&lock);
}
