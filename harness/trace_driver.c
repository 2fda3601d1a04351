/*
 * trace_driver.c - replays malloc-lab traces against the allocator linked into it, for the
 * performance category (docs/performance.md).
 *
 *   trace_driver [--mode check|time|count] [--align N] [--seed S] [--reps R] [--min-ms MS]
 *                [--timeout SECONDS] [--series DIR] TRACE...
 *
 * Built twice from this file: linked with a slot's liballoc.a and -DHL_SLOT, whose
 * -Wl,--wrap=sbrk,brk,mmap,mmap64,munmap,mremap route the slot's own system-memory calls
 * through the wrappers below (the slot's references to them are undefined in the archive, the
 * only ones --wrap rewrites), so that the driver knows every byte range the allocator obtained;
 * and against libc alone, for the comparison, where libc's allocator reaches the kernel through
 * its internal brk and mmap, which nothing can wrap: its footprint is the program break's rise
 * plus mallinfo2()'s mmapped bytes (hblkhd).
 *
 * The trace format is CS:APP's malloc lab, as is: a header of numbers (2001's four: suggested
 * heap size, number of ids, number of ops, weight; later drivers' three or two, without the
 * first ones), then one request a line: `a id size` (malloc), `r id size` (realloc), `f id`
 * (free; `f -1` frees NULL), and heaplab's `c id n size` (calloc). Blank lines and `#` comments
 * are skipped. The header is not trusted: ids and ops are counted from the requests.
 *
 * Each trace runs in a process of its own, forked from the driver, so a crash, a hang or an
 * error in one trace costs that trace alone. The driver itself never allocates from the
 * allocator under test (its memory is mapped with the raw system call, which nothing wraps,
 * and it writes with write(2), not stdio), so everything the allocator holds is the trace's.
 *
 * --mode check (default): every result is checked (aligned to --align, 16 by default; inside
 *   memory the allocator obtained from the kernel; overlapping no live block); every payload is
 *   filled with bytes drawn from --seed and verified when it is freed or reallocated, and a
 *   realloc must carry the old bytes over; calloc's block must read zero. The first fault ends
 *   the trace, named with the request and its line. The same pass measures utilization: the
 *   peak of the live payload over the peak of the footprint.
 * --mode time: the requests alone (then frees of the blocks they left live), once untimed,
 *   then repeated in the same heap for at least --min-ms milliseconds (20 by default) of the
 *   process's CPU time: the CPU time of one round, --reps times, each in a fresh process forked
 *   from the parsed trace.
 * --mode count: the requests alone, in this process, for an instruction count: run under
 *   `valgrind --tool=callgrind --collect-atstart=no --toggle-collect=hl_replay_requests`, only
 *   the replay is counted.
 *
 * Output: one JSON line per trace on stdout: {"trace", "ops", "ok", and "util", "peak_payload",
 * "peak_footprint" (check), "seconds" (time), or "error"}. --series DIR (check) also writes
 * DIR/NAME.series for the plots: about 2000 lines `REQUEST LIVE FOOTPRINT`, each the peaks of
 * the live payload and the footprint over the requests since the line before.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the driver's own memory and output ------------------------------------------------- */

/* Memory the allocator under test never sees: the raw system call, which --wrap cannot touch. */
static void *own_map(size_t len) {
    long p = syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p < 0 && p > -4096) {
        static const char msg[] = "trace_driver: out of memory\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(2);
    }
    return (void *)p;
}

static void write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        buf += n;
        len -= (size_t)n;
    }
}

/* A JSON line under construction, in a fixed buffer: snprintf allocates nothing for these
 * formats. */
struct line {
    char buf[4096];
    size_t len;
};

__attribute__((format(printf, 2, 3))) static void emit(struct line *l, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + l->len, sizeof l->buf - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n < sizeof l->buf - l->len ? (size_t)n : sizeof l->buf - l->len - 1;
}

static void emit_string(struct line *l, const char *s) {
    emit(l, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            emit(l, "\\%c", c);
        else if (c < 0x20)
            emit(l, "\\u%04x", c);
        else
            emit(l, "%c", c);
    }
    emit(l, "\"");
}

/* ---- the trace -------------------------------------------------------------------------- */

enum kind { OP_MALLOC, OP_REALLOC, OP_FREE, OP_CALLOC };

struct op {
    enum kind kind;
    long id; /* -1: free(NULL) */
    size_t size;
    size_t n;      /* calloc's element count */
    unsigned line; /* in the file, from 1 */
};

struct trace {
    const char *path;
    const char *name; /* the file name without folders */
    struct op *ops;
    size_t nops, nids;
    char error[512]; /* a malformed file: the trace is reported, not replayed */
};

static void trace_error(struct trace *t, unsigned line, const char *what) {
    if (t->error[0]) return;
    snprintf(t->error, sizeof t->error, "bad trace: line %u: %s", line, what);
}

static char *read_file(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return NULL;
    }
    char *buf = own_map((size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *len = got;
    return buf;
}

/* Parses one unsigned decimal number at *s, skipping blanks; false if there is none. */
static bool number(const char **s, unsigned long long *out) {
    while (**s == ' ' || **s == '\t' || **s == '\r') (*s)++;
    if (**s < '0' || **s > '9') return false;
    unsigned long long v = 0;
    for (; **s >= '0' && **s <= '9'; (*s)++) {
        if (v > (ULLONG_MAX - 9) / 10) return false;
        v = v * 10 + (unsigned long long)(**s - '0');
    }
    *out = v;
    return true;
}

static bool at_line_end(const char *s) {
    while (*s == ' ' || *s == '\t' || *s == '\r') s++;
    return *s == '\n' || *s == '\0' || *s == '#';
}

static void parse_trace(struct trace *t) {
    size_t len;
    char *text = read_file(t->path, &len);
    if (!text) {
        snprintf(t->error, sizeof t->error, "bad trace: cannot read %s: %s", t->path,
                 strerror(errno));
        return;
    }
    size_t lines = 1;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    t->ops = own_map(lines * sizeof *t->ops);
    bool in_header = true;
    unsigned line = 0;
    for (const char *s = text; *s && !t->error[0]; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : "") {
        line++;
        const char *p = s;
        while (*p == ' ' || *p == '\t' || *p == '\r') p++;
        if (at_line_end(p)) continue;
        unsigned long long a, b = 0, c = 0;
        if (*p >= '0' && *p <= '9') {
            /* The header's numbers, which the driver does not need: ids and ops are counted. */
            if (!in_header) trace_error(t, line, "a number where a request was expected");
            if (!number(&p, &a) || !at_line_end(p)) trace_error(t, line, "malformed header");
            continue;
        }
        in_header = false;
        struct op *op = &t->ops[t->nops];
        op->line = line;
        char k = *p++;
        bool ok;
        switch (k) {
            case 'a':
            case 'r':
                ok = number(&p, &a) && number(&p, &b);
                op->kind = k == 'a' ? OP_MALLOC : OP_REALLOC;
                op->size = (size_t)b;
                break;
            case 'c':
                ok = number(&p, &a) && number(&p, &b) && number(&p, &c);
                op->kind = OP_CALLOC;
                op->n = (size_t)b;
                op->size = (size_t)c;
                break;
            case 'f':
                while (*p == ' ' || *p == '\t') p++;
                if (p[0] == '-' && p[1] == '1') {
                    p += 2;
                    a = ULLONG_MAX;
                    ok = true;
                } else {
                    ok = number(&p, &a);
                }
                op->kind = OP_FREE;
                break;
            default:
                ok = false;
        }
        if (!ok || !at_line_end(p)) {
            trace_error(t, line, "expected `a ID SIZE`, `r ID SIZE`, `f ID`, or `c ID N SIZE`");
            break;
        }
        if (a != ULLONG_MAX && a >= (1ULL << 31)) {
            trace_error(t, line, "id out of range");
            break;
        }
        op->id = a == ULLONG_MAX ? -1 : (long)a;
        if (op->id >= 0 && (size_t)op->id + 1 > t->nids) t->nids = (size_t)op->id + 1;
        t->nops++;
    }
}

/* ---- the allocator's memory: the ranges it obtained from the kernel --------------------- */

static size_t footprint, peak_footprint;
/* From the start, so that memory the slot obtained before main (for libc's own start-up
 * requests) is known too; the timed passes turn it off, so that the slot pays nothing for it. */
static bool tracking = true;

#ifdef HL_SLOT

/* The byte ranges the slot holds from sbrk, brk, mmap and mremap, sorted and disjoint, with
 * their total (the footprint) and its high-water mark. Only the slot build can see them. */
struct range {
    uintptr_t lo, hi;
};

static struct range *ranges;
static size_t nranges, ranges_cap;

static size_t first_ending_after(uintptr_t addr) {
    size_t lo = 0, hi = nranges;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ranges[mid].hi <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void ranges_remove(uintptr_t lo, uintptr_t hi) {
    if (lo >= hi) return;
    size_t i = first_ending_after(lo);
    /* A range straddling both ends splits in two. */
    if (i < nranges && ranges[i].lo < lo && ranges[i].hi > hi) {
        if (nranges == ranges_cap) return;
        memmove(&ranges[i + 1], &ranges[i], (nranges - i) * sizeof *ranges);
        nranges++;
        ranges[i].hi = lo;
        ranges[i + 1].lo = hi;
        footprint -= hi - lo;
        return;
    }
    if (i < nranges && ranges[i].lo < lo) {
        footprint -= ranges[i].hi - lo;
        ranges[i].hi = lo;
        i++;
    }
    size_t j = i;
    while (j < nranges && ranges[j].hi <= hi) footprint -= ranges[j].hi - ranges[j].lo, j++;
    if (j < nranges && ranges[j].lo < hi) {
        footprint -= hi - ranges[j].lo;
        ranges[j].lo = hi;
    }
    memmove(&ranges[i], &ranges[j], (nranges - j) * sizeof *ranges);
    nranges -= j - i;
}

static void ranges_add(uintptr_t lo, uintptr_t hi) {
    if (lo >= hi) return;
    if (!ranges) { /* the first may come before main */
        ranges_cap = 1 << 20;
        ranges = own_map(ranges_cap * sizeof *ranges);
    }
    ranges_remove(lo, hi); /* a MAP_FIXED mapping may replace part of one */
    size_t i = first_ending_after(lo);
    bool joins_left = i > 0 && ranges[i - 1].hi == lo;
    bool joins_right = i < nranges && ranges[i].lo == hi;
    footprint += hi - lo;
    if (footprint > peak_footprint) peak_footprint = footprint;
    if (joins_left && joins_right) {
        ranges[i - 1].hi = ranges[i].hi;
        memmove(&ranges[i], &ranges[i + 1], (nranges - i - 1) * sizeof *ranges);
        nranges--;
    } else if (joins_left) {
        ranges[i - 1].hi = hi;
    } else if (joins_right) {
        ranges[i].lo = lo;
    } else if (nranges < ranges_cap) {
        memmove(&ranges[i + 1], &ranges[i], (nranges - i) * sizeof *ranges);
        ranges[i] = (struct range){lo, hi};
        nranges++;
    }
}

/* Whether [p, p + len) lies inside one range the allocator obtained. */
static bool ranges_contain(uintptr_t p, size_t len) {
    size_t i = first_ending_after(p);
    return i < nranges && ranges[i].lo <= p && p + len <= ranges[i].hi;
}

static uintptr_t page_round(size_t len) {
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    return ((uintptr_t)len + page - 1) & ~(page - 1);
}

void *__real_sbrk(intptr_t incr);
int __real_brk(void *addr);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__real_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);
void *__real_mremap(void *old, size_t old_len, size_t new_len, int flags, ...);

void *__wrap_sbrk(intptr_t incr) {
    char *old = __real_sbrk(incr);
    if (tracking && old != (char *)-1) {
        if (incr > 0)
            ranges_add((uintptr_t)old, (uintptr_t)old + (uintptr_t)incr);
        else
            ranges_remove((uintptr_t)old + (uintptr_t)incr, (uintptr_t)old);
    }
    return old;
}

int __wrap_brk(void *addr) {
    uintptr_t old = (uintptr_t)__real_sbrk(0);
    int r = __real_brk(addr);
    if (tracking && r == 0) {
        if ((uintptr_t)addr > old)
            ranges_add(old, (uintptr_t)addr);
        else
            ranges_remove((uintptr_t)addr, old);
    }
    return r;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    void *p = __real_mmap(addr, len, prot, flags, fd, off);
    if (tracking && p != MAP_FAILED) ranges_add((uintptr_t)p, (uintptr_t)p + page_round(len));
    return p;
}

void *__wrap_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    return __wrap_mmap(addr, len, prot, flags, fd, off);
}

int __wrap_munmap(void *addr, size_t len) {
    int r = __real_munmap(addr, len);
    if (tracking && r == 0) ranges_remove((uintptr_t)addr, (uintptr_t)addr + page_round(len));
    return r;
}

void *__wrap_mremap(void *old, size_t old_len, size_t new_len, int flags, ...) {
    void *fixed = NULL;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        fixed = va_arg(ap, void *);
        va_end(ap);
    }
    void *p = __real_mremap(old, old_len, new_len, flags, fixed);
    if (tracking && p != MAP_FAILED) {
        ranges_remove((uintptr_t)old, (uintptr_t)old + page_round(old_len));
        ranges_add((uintptr_t)p, (uintptr_t)p + page_round(new_len));
    }
    return p;
}

static void footprint_update(size_t request) {
    (void)request;
}
#else
/* libc's allocator: the program break's rise since the trace began plus its mmapped chunks,
 * which change only on requests from 64 KiB (its mmap threshold starts at 128 KiB), so that
 * mallinfo2, which walks the free lists, runs only then. */
static uintptr_t brk_start;
static size_t mmapped;

static void footprint_update(size_t request) {
    if (request >= 64 * 1024) mmapped = mallinfo2().hblkhd;
    footprint = (size_t)((uintptr_t)sbrk(0) - brk_start) + mmapped;
    if (footprint > peak_footprint) peak_footprint = footprint;
}
#endif

/* ---- live blocks: a treap by address, one node per id ----------------------------------- */

struct block {
    unsigned char *ptr;
    size_t size;
    uint64_t stamp; /* seeds the bytes its payload was filled with */
    bool live;
    long left, right; /* treap children, ids; -1 for none */
    uint64_t prio;
};

static struct block *blocks;
static long root = -1;

static size_t extent(const struct block *b) {
    return b->size ? b->size : 1; /* malloc(0)'s pointers must still be distinct */
}

static void split(long t, uintptr_t key, long *l, long *r) {
    if (t < 0) {
        *l = *r = -1;
    } else if ((uintptr_t)blocks[t].ptr < key) {
        split(blocks[t].right, key, &blocks[t].right, r);
        *l = t;
    } else {
        split(blocks[t].left, key, l, &blocks[t].left);
        *r = t;
    }
}

static long merge(long l, long r) {
    if (l < 0) return r;
    if (r < 0) return l;
    if (blocks[l].prio > blocks[r].prio) {
        blocks[l].right = merge(blocks[l].right, r);
        return l;
    }
    blocks[r].left = merge(l, blocks[r].left);
    return r;
}

static void tree_insert(long id) {
    long l, r;
    blocks[id].left = blocks[id].right = -1;
    split(root, (uintptr_t)blocks[id].ptr, &l, &r);
    root = merge(merge(l, id), r);
}

static void tree_remove(long id) {
    long l, m, r;
    split(root, (uintptr_t)blocks[id].ptr, &l, &m);
    split(m, (uintptr_t)blocks[id].ptr + 1, &m, &r);
    root = merge(l, r);
}

/* The live block overlapping [p, p + len), or -1. */
static long tree_overlap(uintptr_t p, size_t len) {
    long below = -1, above = -1;
    for (long t = root; t >= 0;) {
        if ((uintptr_t)blocks[t].ptr <= p)
            below = t, t = blocks[t].right;
        else
            above = t, t = blocks[t].left;
    }
    if (below >= 0 && (uintptr_t)blocks[below].ptr + extent(&blocks[below]) > p) return below;
    if (above >= 0 && (uintptr_t)blocks[above].ptr < p + len) return above;
    return -1;
}

/* ---- payload patterns --------------------------------------------------------------------- */

static uint64_t mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The pattern's bytes come eight at a time from an xorshift stream seeded by the stamp. */
static void fill(unsigned char *p, size_t len, uint64_t stamp) {
    uint64_t x = mix(stamp) | 1;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        memcpy(p + i, &x, 8);
    }
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    memcpy(p + i, &x, len - i);
}

/* The offset of the first byte of [p, p + len) that is not the stamp's pattern, or len. */
static size_t verify(const unsigned char *p, size_t len, uint64_t stamp) {
    uint64_t x = mix(stamp) | 1;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (memcmp(p + i, &x, 8) != 0) break;
    }
    if (i + 8 > len) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (memcmp(p + i, &x, len - i) == 0) return len;
    }
    for (unsigned char expect[8]; i < len; i += 8) {
        memcpy(expect, &x, 8);
        for (size_t k = 0; k < 8 && i + k < len; k++)
            if (p[i + k] != expect[k]) return i + k;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    }
    return len;
}

/* ---- the check pass ------------------------------------------------------------------------ */

/* What a trace's child leaves for the driver in a shared page: its progress, so that a crash
 * names the request it happened in, and its result. */
struct report {
    size_t op; /* the request under way, from 0 */
    bool done;
    bool failed;
    double util;
    size_t peak_payload, peak_footprint;
    double seconds;
    char error[1024];
};

static struct report *report;
static unsigned long align = 16;
static uint64_t seed = 1;
static int series_fd = -1;

static const char *kind_name(enum kind k) {
    return k == OP_MALLOC    ? "malloc"
           : k == OP_REALLOC ? "realloc"
           : k == OP_CALLOC  ? "calloc"
                             : "free";
}

static void describe(char *buf, size_t size, const struct op *op) {
    switch (op->kind) {
        case OP_MALLOC:
            snprintf(buf, size, "a %ld %zu", op->id, op->size);
            break;
        case OP_REALLOC:
            snprintf(buf, size, "r %ld %zu", op->id, op->size);
            break;
        case OP_CALLOC:
            snprintf(buf, size, "c %ld %zu %zu", op->id, op->n, op->size);
            break;
        case OP_FREE:
            snprintf(buf, size, "f %ld", op->id);
            break;
    }
}

__attribute__((format(printf, 3, 4), noreturn)) static void fail(const struct trace *t, size_t i,
                                                                 const char *fmt, ...) {
    char what[700], req[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    describe(req, sizeof req, &t->ops[i]);
    snprintf(report->error, sizeof report->error, "request %zu (line %u: %s): %s", i + 1,
             t->ops[i].line, req, what);
    report->failed = true;
    _exit(0);
}

/* A new block from the allocator: where it is, then its bytes. */
static void check_new_block(const struct trace *t, size_t i, struct block *b) {
    const char *call = kind_name(t->ops[i].kind);
    uintptr_t p = (uintptr_t)b->ptr;
    if (p % align != 0)
        fail(t, i, "%s returned %p, which is not %lu-byte aligned", call, (void *)b->ptr, align);
#ifdef HL_SLOT
    if (!ranges_contain(p, extent(b)))
        fail(t, i,
             "%s returned %p (%zu bytes), which is not inside memory the allocator obtained with "
             "sbrk, brk, mmap or mremap (a static array or another allocator's block?)",
             call, (void *)b->ptr, b->size);
#endif
    long other = tree_overlap(p, extent(b));
    if (other >= 0)
        fail(
            t, i,
            "%s returned %p (%zu bytes), which overlaps the live block of id %ld at %p (%zu bytes)",
            call, (void *)b->ptr, b->size, other, (void *)blocks[other].ptr, blocks[other].size);
}

/* The block's payload as it was written; `when` is the request that found it changed. */
static void check_payload(const struct trace *t, size_t i, long id, const char *when) {
    struct block *b = &blocks[id];
    size_t bad = verify(b->ptr, b->size, b->stamp);
    if (bad < b->size)
        fail(t, i,
             "the payload of id %ld (%zu bytes at %p) changed while it was live: byte %zu differs "
             "(found as it was %s)",
             id, b->size, (void *)b->ptr, bad, when);
}

/* The peaks since the last line; a line every nops / 2000 requests and after the last. */
static void series_point(const struct trace *t, size_t i, size_t live) {
    static size_t live_max, footprint_max;
    live_max = live > live_max ? live : live_max;
    footprint_max = footprint > footprint_max ? footprint : footprint_max;
    size_t step = t->nops / 2000 + 1;
    if ((i + 1) % step != 0 && i + 1 != t->nops) return;
    char buf[96];
    int n = snprintf(buf, sizeof buf, "%zu %zu %zu\n", i + 1, live_max, footprint_max);
    write_all(series_fd, buf, (size_t)n);
    live_max = footprint_max = 0;
}

static void check_trace(const struct trace *t) {
    blocks = own_map((t->nids + 1) * sizeof *blocks);
    size_t live = 0, peak_live = 0;
    uint64_t stamps = seed;
#ifndef HL_SLOT
    brk_start = (uintptr_t)sbrk(0);
#endif
    for (size_t i = 0; i < t->nops; i++) {
        const struct op *op = &t->ops[i];
        report->op = i;
        struct block *b = op->id >= 0 ? &blocks[op->id] : NULL;
        size_t touched = op->size;
        switch (op->kind) {
            case OP_MALLOC:
            case OP_CALLOC: {
                if (b->live) fail(t, i, "bad trace: id %ld is already live", op->id);
                size_t size = op->size;
                if (op->kind == OP_CALLOC) {
                    if (op->n != 0 && size > SIZE_MAX / op->n)
                        fail(t, i, "bad trace: calloc's size overflows");
                    size *= op->n;
                }
                void *p = op->kind == OP_MALLOC ? malloc(op->size) : calloc(op->n, op->size);
                *b = (struct block){.ptr = p, .size = size, .live = true, .prio = mix(i ^ seed)};
                if (!p && size == 0) break; /* malloc(0) may return NULL */
                if (!p) fail(t, i, "%s(%zu) returned NULL", kind_name(op->kind), size);
                check_new_block(t, i, b);
                if (op->kind == OP_CALLOC) {
                    for (size_t k = 0; k < size; k++)
                        if (b->ptr[k] != 0)
                            fail(t, i, "calloc's block at %p is not zero at byte %zu", p, k);
                }
                b->stamp = ++stamps;
                fill(b->ptr, size, b->stamp);
                tree_insert(op->id);
                live += size;
                touched = size;
                break;
            }
            case OP_REALLOC: {
                size_t old_size = b->live ? b->size : 0;
                if (b->live && b->ptr) {
                    check_payload(t, i, op->id, "reallocated");
                    tree_remove(op->id);
                }
                touched = op->size > old_size ? op->size : old_size;
                void *p = realloc(b->live ? b->ptr : NULL, op->size); /* a dead id's is NULL */
                live -= old_size;
                if (!p && op->size == 0) {
                    b->live = false;
                    break;
                }
                if (!p) fail(t, i, "realloc(%zu) returned NULL", op->size);
                struct block old = *b;
                b->ptr = p;
                b->size = op->size;
                b->live = true;
                check_new_block(t, i, b);
                size_t kept = old_size < op->size ? old_size : op->size;
                size_t bad = verify(b->ptr, kept, old.stamp);
                if (bad < kept)
                    fail(t, i,
                         "realloc from %zu to %zu bytes did not keep the contents: byte %zu of the "
                         "block (now at %p, was at %p) differs",
                         old_size, op->size, bad, p, (void *)old.ptr);
                b->stamp = ++stamps;
                fill(b->ptr, b->size, b->stamp);
                tree_insert(op->id);
                live += op->size;
                break;
            }
            case OP_FREE:
                if (!b) {
                    free(NULL);
                    touched = 0;
                    break;
                }
                if (!b->live) fail(t, i, "bad trace: id %ld is not live", op->id);
                touched = b->size;
                if (b->ptr) {
                    check_payload(t, i, op->id, "freed");
                    tree_remove(op->id);
                }
                free(b->ptr);
                b->live = false;
                live -= b->size;
                break;
        }
        if (live > peak_live) peak_live = live;
        footprint_update(touched);
        if (series_fd >= 0) series_point(t, i, live);
    }
    tracking = false;
    report->peak_payload = peak_live;
    report->peak_footprint = peak_footprint;
    report->util = peak_footprint ? (double)peak_live / (double)peak_footprint : peak_live ? 0 : 1;
}

/* ---- the timed pass ---------------------------------------------------------------------- */

/* The requests alone: what the time and count modes measure. Not inlined, so that callgrind
 * can count it by name. */
__attribute__((noinline)) void hl_replay_requests(const struct trace *t, void **ptrs) {
    for (size_t i = 0; i < t->nops; i++) {
        const struct op *op = &t->ops[i];
        switch (op->kind) {
            case OP_MALLOC:
                ptrs[op->id] = malloc(op->size);
                break;
            case OP_CALLOC:
                ptrs[op->id] = calloc(op->n, op->size);
                break;
            case OP_REALLOC:
                ptrs[op->id] = realloc(ptrs[op->id], op->size);
                break;
            case OP_FREE:
                free(op->id >= 0 ? ptrs[op->id] : NULL);
                if (op->id >= 0) ptrs[op->id] = NULL;
                break;
        }
    }
}

/* CPU time, the process's own (user and system): on a busy machine the time a process waits
 * for a processor is most of the noise of a wall clock, and none of the allocator's doing. */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double min_seconds = 0.02;

/* One round: the trace's requests, then frees of whatever it left live. */
static void replay_round(const struct trace *t, void **ptrs) {
    hl_replay_requests(t, ptrs);
    for (size_t id = 0; id < t->nids; id++) {
        free(ptrs[id]);
        ptrs[id] = NULL;
    }
}

/* The CPU time of one round, in the same heap round after round until min_seconds have passed,
 * after one round untimed: the first round's page faults depend on the kernel's load more than
 * on the allocator, and a short trace is measured over many rounds instead of one too short for
 * the clock. A first round of more than five times min_seconds is the measurement itself: its
 * page faults are lost in it, and a slow allocator is not run again for nothing. */
static void time_trace(const struct trace *t) {
    tracking = false;
    void **ptrs = own_map((t->nids + 1) * sizeof *ptrs);
    double start = cpu_now(), elapsed;
    replay_round(t, ptrs);
    elapsed = cpu_now() - start;
    if (elapsed > 5 * min_seconds) {
        report->seconds = elapsed;
        return;
    }
    start = cpu_now();
    unsigned long rounds = 0;
    do {
        replay_round(t, ptrs);
        rounds++;
        elapsed = cpu_now() - start;
    } while (elapsed < min_seconds && rounds < 100000);
    report->seconds = elapsed / (double)rounds;
}

/* ---- one trace, one process ----------------------------------------------------------------- */

enum mode { MODE_CHECK, MODE_TIME, MODE_COUNT };

static unsigned timeout_seconds = 60;

/* Runs `pass` on the trace in a child; false, with the reason in report->error, if the child
 * did not finish. */
static bool in_child(const struct trace *t, void (*pass)(const struct trace *)) {
    memset(report, 0, sizeof *report);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(report->error, sizeof report->error, "fork: %s", strerror(errno));
        return false;
    }
    if (pid == 0) {
        dup2(2, 1); /* whatever the allocator prints stays out of the JSON lines */
        alarm(timeout_seconds);
        pass(t);
        report->done = true;
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) continue;
    if (report->failed) return false;
    if (report->done && WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    char req[96] = "";
    if (report->op < t->nops) {
        describe(req, sizeof req, &t->ops[report->op]);
    }
    char how[128];
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        snprintf(how, sizeof how, "still running after %u s", timeout_seconds);
    else if (WIFSIGNALED(status))
        snprintf(how, sizeof how, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(status));
    if (pass == check_trace)
        snprintf(report->error, sizeof report->error, "%s during request %zu (line %u: %s)", how,
                 report->op + 1, t->ops[report->op].line, req);
    else
        snprintf(report->error, sizeof report->error, "%s", how);
    return false;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void open_series(const char *dir, const struct trace *t) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.series", dir, t->name);
    series_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static void usage(void) {
    static const char msg[] =
        "usage: trace_driver [--mode check|time|count] [--align N] [--seed S] [--reps R]\n"
        "                    [--min-ms MS] [--timeout SECONDS] [--series DIR] TRACE...\n";
    write_all(2, msg, sizeof msg - 1);
    _exit(2);
}

/* The program break starts at a random page (ASLR), and where it starts decides how an allocator
 * that aligns its chunks (the reference's 64 KiB spans) pads the heap: its footprint, and so its
 * utilization, would change from run to run. Moving the break to a 4 MiB boundary before the
 * allocator's first sbrk makes every run start from the same offset; what is skipped is not the
 * allocator's and does not count in its footprint. */
static void align_break(void) {
#ifdef HL_SLOT
    uintptr_t cur = (uintptr_t)__real_sbrk(0);
#else
    uintptr_t cur = (uintptr_t)sbrk(0);
#endif
    uintptr_t boundary = (uintptr_t)4 << 20;
    intptr_t skip = (intptr_t)(((cur + boundary - 1) & ~(boundary - 1)) - cur);
#ifdef HL_SLOT
    if (nranges == 0 && skip > 0) __real_sbrk(skip);
#else
    if (skip > 0) (void)!sbrk(skip);
#endif
}

int main(int argc, char **argv) {
    enum mode mode = MODE_CHECK;
    unsigned long reps = 1;
    const char *series_dir = NULL;
    int first = 1;
    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first += 2) {
        const char *opt = argv[first], *val = first + 1 < argc ? argv[first + 1] : NULL;
        if (!val) usage();
        if (strcmp(opt, "--mode") == 0) {
            if (strcmp(val, "check") == 0)
                mode = MODE_CHECK;
            else if (strcmp(val, "time") == 0)
                mode = MODE_TIME;
            else if (strcmp(val, "count") == 0)
                mode = MODE_COUNT;
            else
                usage();
        } else if (strcmp(opt, "--align") == 0) {
            align = strtoul(val, NULL, 10);
            if (align == 0 || (align & (align - 1)) != 0) usage();
        } else if (strcmp(opt, "--seed") == 0) {
            seed = strtoull(val, NULL, 10);
        } else if (strcmp(opt, "--reps") == 0) {
            reps = strtoul(val, NULL, 10);
            if (reps == 0 || reps > 1000) usage();
        } else if (strcmp(opt, "--timeout") == 0) {
            timeout_seconds = (unsigned)strtoul(val, NULL, 10);
        } else if (strcmp(opt, "--min-ms") == 0) {
            min_seconds = strtod(val, NULL) / 1000;
        } else if (strcmp(opt, "--series") == 0) {
            series_dir = val;
        } else {
            usage();
        }
    }
    if (first >= argc) usage();
    align_break();
    report = (void *)syscall(SYS_mmap, NULL, sizeof *report, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    for (int a = first; a < argc; a++) {
        struct trace t = {.path = argv[a], .name = base_name(argv[a])};
        parse_trace(&t);
        struct line l = {.len = 0};
        emit(&l, "{\"trace\": ");
        emit_string(&l, t.name);
        emit(&l, ", \"ops\": %zu, ", t.nops);
        if (t.error[0]) {
            emit(&l, "\"ok\": false, \"error\": ");
            emit_string(&l, t.error);
        } else if (mode == MODE_COUNT) {
            tracking = false;
            void **ptrs = own_map((t.nids + 1) * sizeof *ptrs);
            hl_replay_requests(&t, ptrs);
            emit(&l, "\"ok\": true");
        } else if (mode == MODE_CHECK) {
            if (series_dir) open_series(series_dir, &t);
            bool ok = in_child(&t, check_trace);
            if (series_fd >= 0) close(series_fd), series_fd = -1;
            if (ok)
                emit(&l,
                     "\"ok\": true, \"util\": %.6f, \"peak_payload\": %zu, \"peak_footprint\": %zu",
                     report->util, report->peak_payload, report->peak_footprint);
            else {
                emit(&l, "\"ok\": false, \"error\": ");
                emit_string(&l, report->error);
            }
        } else {
            emit(&l, "\"ok\": true, \"seconds\": [");
            bool ok = true;
            for (unsigned long r = 0; r < reps && ok; r++) {
                ok = in_child(&t, time_trace);
                if (ok) emit(&l, "%s%.9f", r ? ", " : "", report->seconds);
            }
            if (!ok) {
                l.len = 0;
                emit(&l, "{\"trace\": ");
                emit_string(&l, t.name);
                emit(&l, ", \"ops\": %zu, \"ok\": false, \"error\": ", t.nops);
                emit_string(&l, report->error);
            } else {
                emit(&l, "]");
            }
        }
        emit(&l, "}\n");
        write_all(1, l.buf, l.len);
    }
    return 0;
}
