/* test_runtime.c - the runtime every heaplab test program links with (see test_runtime.h).
 *
 * Nothing here calls the allocator under test: messages are formatted into stack buffers,
 * /proc is read with read(2), standard output gets a static buffer, and the live set is a
 * treap of [start, end) ranges whose nodes live in memory this file maps itself. A broken
 * allocator can therefore crash or corrupt the test, but never the referee's own records.
 */
#include "test_runtime.h"

#include "../alloc/alloc.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <fcntl.h>
#include <gnu/lib-names.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <unwind.h>

extern char **environ;

/* ---- standard output ------------------------------------------------------------------------ */

/* A static buffer, so stdio never asks the allocator under test for one. */
static char hl_stdout_buf[4096];

static void hl_notes_open(void);

__attribute__((constructor)) static void hl_runtime_init(void) {
    setvbuf(stdout, hl_stdout_buf, _IOLBF, sizeof hl_stdout_buf);
    hl_notes_open();
}

/* write(2) all of buf, retrying on EINTR and short writes. */
static void hl_write_all(int fd, const char *buf, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;
        }
        buf += w;
        n -= (size_t)w;
    }
}

/* ---- failing -----------------------------------------------------------------------------------
 */

_Noreturn void hl_fail(const char *file, int line, const char *fmt, ...) {
    char msg[1024];
    int len = snprintf(msg, sizeof msg, "FAIL: %s:%d: ", file, line);
    if (len < 0) len = 0;
    if ((size_t)len >= sizeof msg) len = (int)sizeof msg - 1;
    va_list ap;
    va_start(ap, fmt);
    int more = vsnprintf(msg + len, sizeof msg - (size_t)len, fmt, ap);
    va_end(ap);
    if (more > 0) len += more;
    if ((size_t)len > sizeof msg - 2) len = (int)sizeof msg - 2;
    msg[len++] = '\n';
    /* What the test printed so far comes first, then the reason, straight to the file
     * descriptor. _exit, not exit: a corrupt heap or a lock held by another thread must not
     * turn a reported failure into a crash or a hang in the exit handlers. */
    fflush(stdout);
    hl_write_all(STDOUT_FILENO, msg, (size_t)len);
    _exit(1);
}

/* ---- the allocator under test is the one in use ---------------------------------------------- */

/* The grader says where malloc must come from (HEAPLAB_SLOT): "static" for the program linked
 * with liballoc.a, or the path of alloc.so for a preloaded run. An LD_PRELOAD that the dynamic
 * loader could not honour only prints a warning and leaves libc's malloc in place: without
 * this check such a run would grade libc.
 *
 * A debugging layer alone (CS61's dmalloc assignment) defines dmalloc_malloc and no malloc: a
 * test linked with it calls the layer, whose base allocator uses libc's malloc by design. The
 * weak reference is non-null exactly when the program links a dmalloc_malloc; that program is
 * static, since a preloaded test is built against libc alone. */
extern void *dmalloc_malloc(size_t sz, const char *file, long line) __attribute__((weak));

/* The tracker linked into a static test program (docs/tracker.md) defines the program's malloc
 * whether the slot does or not, and says which it forwards to. */
extern const char *heaplab_tracker_allocator(void) __attribute__((weak));

/* Whether malloc is the slot's own (not libc's under a debugging layer alone). */
static bool hl_slot_serves_malloc;

static void hl_check_allocator_in_use(void) {
    const char *slot = getenv("HEAPLAB_SLOT");
    if (slot == NULL) return;
    Dl_info in_malloc, in_runtime;
    void *(*malloc_in_use)(size_t) = malloc;
    if (!dladdr((void *)malloc_in_use, &in_malloc) || !dladdr((void *)hl_fail, &in_runtime))
        hl_fail(__FILE__, __LINE__, "heaplab: cannot tell where malloc comes from");
    bool is_static = strcmp(slot, "static") == 0;
    /* Under the tracker (docs/tracker.md), malloc is the tracker's, preloaded ahead of the
     * slot: the allocator it forwards to is the one that must be the slot. */
    const char *served_by = in_malloc.dli_fname;
    const char *(*tracked)(void) =
        is_static ? NULL : (const char *(*)(void))dlsym(RTLD_DEFAULT, "heaplab_tracker_allocator");
    Dl_info in_tracker;
    if (tracked && dladdr((void *)tracked, &in_tracker) &&
        in_tracker.dli_fbase == in_malloc.dli_fbase)
        served_by = tracked();
    char want[PATH_MAX], have[PATH_MAX];
    bool ok = is_static
                  ? in_malloc.dli_fbase == in_runtime.dli_fbase || dmalloc_malloc != NULL
                  : realpath(slot, want) && realpath(served_by, have) && strcmp(want, have) == 0;
    if (!ok)
        hl_fail(__FILE__, __LINE__,
                "heaplab: malloc comes from %s, not from the allocator under test (%s)", served_by,
                is_static ? "linked in" : slot);
    hl_slot_serves_malloc =
        !is_static ||
        (in_malloc.dli_fbase == in_runtime.dli_fbase &&
         !(heaplab_tracker_allocator && strcmp(heaplab_tracker_allocator(), "libc") == 0));
}

/* ---- notes to the runner: where a crash happened, what a test was running ------------------ */

/* The runner hands each test a descriptor, named by HEAPLAB_NOTES_FD, for what the grader
 * should know but the test's output must not show. One note per line, each line written with
 * one write(2):
 *   crash SIGNAL FAULT-ADDRESS overflow|fault   a fatal signal; overflow: the stack's end
 *   map START END OFFSET PATH                   an executable mapping of a file at the crash
 *                                               (hexadecimal, as in /proc/self/maps)
 *   frame INDEX PC                              frame INDEX of the crashed thread's stack (0:
 *                                               where it faulted; PC inside its instruction)
 *   depth N                                     the stack held N frames (the frames above are
 *                                               its innermost ones and its outermost ones)
 *   run PROGRAM libc|slot                       hl_run_both started PROGRAM on that allocator
 *   ran PROGRAM libc|slot SECONDS STATUS        ... and it ended
 *   main                                        main started (the test ran)
 *   libc-heap BYTES                             at exit, glibc's own heap held BYTES though
 *                                               the slot serves malloc
 * Nothing here allocates: the notes are formatted into a line buffer on the stack, and the
 * crash handler runs on a stack of its own, so that it still runs when the stack overflowed. */
static int hl_notes_fd = -1;

struct hl_line {
    char text[PATH_MAX + 128];
    size_t len;
};

/* One line of notes, when the runner reads them. */
static void hl_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void hl_note(const char *fmt, ...) {
    char note[256];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(note, sizeof note, fmt, ap);
    va_end(ap);
    if (hl_notes_fd >= 0 && len > 0 && (size_t)len < sizeof note)
        hl_write_all(hl_notes_fd, note, (size_t)len);
}

static void hl_line_str(struct hl_line *l, const char *s) {
    while (*s != '\0' && l->len < sizeof l->text - 1) l->text[l->len++] = *s++;
}

static void hl_line_num(struct hl_line *l, uintmax_t v, unsigned base) {
    char digits[3 * sizeof v];
    size_t n = 0;
    do digits[n++] = "0123456789abcdef"[v % base];
    while ((v /= base) != 0);
    if (base == 16) hl_line_str(l, "0x");
    while (n > 0 && l->len < sizeof l->text - 1) l->text[l->len++] = digits[--n];
}

static void hl_line_end(struct hl_line *l) {
    l->text[l->len++] = '\n';
    if (hl_notes_fd >= 0) hl_write_all(hl_notes_fd, l->text, l->len);
    l->len = 0;
}

/* Frames kept of a crashed stack: the innermost and the outermost. */
#define HL_INNER_FRAMES 32
#define HL_OUTER_FRAMES 8
/* An unwinder that goes round a corrupt stack's loop stops here. */
#define HL_MAX_FRAMES 4000000
/* A fault this close to the stack pointer is the stack's guard page. */
#define HL_OVERFLOW_REACH 65536
/* The crash handler's own stack, and how long it may take before the signal goes through. */
#define HL_CRASH_STACK  (256 * 1024)
#define HL_CRASH_WAIT_S 5

struct hl_unwind {
    uintptr_t inner[HL_INNER_FRAMES], outer[HL_OUTER_FRAMES];
    size_t n;   /* frames seen from the faulting one (from the handler's, if none was marked) */
    bool found; /* the faulting frame was found */
};

/* The unwinder marks the frame a signal interrupted: its PC is the faulting instruction's. In
 * every other frame the PC is a return address, so PC - 1 lies in the call. */
static _Unwind_Reason_Code hl_unwind_step(struct _Unwind_Context *ctx, void *arg) {
    struct hl_unwind *u = arg;
    int at_fault = 0;
    uintptr_t pc = (uintptr_t)_Unwind_GetIPInfo(ctx, &at_fault);
    if (at_fault && !u->found) {
        u->found = true;
        u->n = 0;
    }
    if (pc == 0) return _URC_NO_REASON; /* the end of the stack, marked by some unwinders */
    if (!at_fault) pc--;
    if (u->n < HL_INNER_FRAMES) u->inner[u->n] = pc;
    u->outer[u->n % HL_OUTER_FRAMES] = pc;
    u->n++;
    return u->n < HL_MAX_FRAMES ? _URC_NO_REASON : _URC_END_OF_STACK;
}

static void hl_note_frame(size_t index, uintptr_t pc) {
    struct hl_line l = {.len = 0};
    hl_line_str(&l, "frame ");
    hl_line_num(&l, index, 10);
    hl_line_str(&l, " ");
    hl_line_num(&l, pc, 16);
    hl_line_end(&l);
}

static void hl_note_frames(void) {
    static struct hl_unwind u; /* the handler's stack is small; one crash at a time */
    memset(&u, 0, sizeof u);
    _Unwind_Backtrace(hl_unwind_step, &u);
    size_t inner = u.n < HL_INNER_FRAMES ? u.n : HL_INNER_FRAMES;
    for (size_t i = 0; i < inner; i++) hl_note_frame(i, u.inner[i]);
    size_t first_outer = u.n > HL_OUTER_FRAMES ? u.n - HL_OUTER_FRAMES : 0;
    for (size_t i = first_outer > inner ? first_outer : inner; i < u.n; i++)
        hl_note_frame(i, u.outer[i % HL_OUTER_FRAMES]);
    struct hl_line l = {.len = 0};
    hl_line_str(&l, "depth ");
    hl_line_num(&l, u.n, 10);
    hl_line_end(&l);
}

/* The first `n` space-separated fields of a line, and the rest after the spaces that follow. */
static char *hl_split_fields(char *line, char **fields, int n) {
    for (int i = 0; i < n; i++) {
        while (*line == ' ') line++;
        fields[i] = line;
        line += strcspn(line, " ");
        if (*line != '\0') *line++ = '\0';
    }
    while (*line == ' ') line++;
    return line;
}

/* One map note for a line of /proc/self/maps, "START-END PERMS OFFSET DEV INODE PATH", when it
 * maps a file's code. */
static void hl_note_map(char *line) {
    char *f[5];
    char *path = hl_split_fields(line, f, 5);
    char *end = strchr(f[0], '-');
    if (end == NULL || strlen(f[1]) < 4 || f[1][2] != 'x' || path[0] != '/') return;
    *end++ = '\0';
    struct hl_line l = {.len = 0};
    const char *parts[] = {"map ", f[0], " ", end, " ", f[2], " ", path};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) hl_line_str(&l, parts[i]);
    hl_line_end(&l);
}

static void hl_note_maps(void) {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    static char buf[8192];
    size_t have = 0;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        have += (size_t)r;
        char *line = buf, *nl;
        while ((nl = memchr(line, '\n', have - (size_t)(line - buf))) != NULL) {
            *nl = '\0';
            hl_note_map(line);
            line = nl + 1;
        }
        have -= (size_t)(line - buf);
        memmove(buf, line, have);
        if (have == sizeof buf - 1) have = 0; /* a line longer than the buffer is skipped */
    }
    close(fd);
}

static void hl_note_crash(int sig, const siginfo_t *si, const void *context) {
    uintptr_t fault = (uintptr_t)si->si_addr, sp = 0;
    const ucontext_t *uc = context;
#if defined(__x86_64__)
    sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    sp = (uintptr_t)uc->uc_mcontext.sp;
#else
    (void)uc;
#endif
    bool overflow = sig == SIGSEGV && sp != 0 && fault + HL_OVERFLOW_REACH > sp &&
                    fault < sp + HL_OVERFLOW_REACH;
    struct hl_line l = {.len = 0};
    hl_line_str(&l, "crash ");
    hl_line_num(&l, (uintmax_t)sig, 10);
    hl_line_str(&l, " ");
    hl_line_num(&l, fault, 16);
    hl_line_str(&l, overflow ? " overflow" : " fault");
    hl_line_end(&l);
}

static volatile sig_atomic_t hl_crash_signal;

/* The default action, for the signal being handled: the test ends as it would have without the
 * handler, with the same signal. */
static void hl_die_of(int sig) {
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    raise(sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* A handler stuck (the unwinder on a corrupt stack, a lock the crash held) must not turn a
 * crash into a timeout. */
static void hl_on_stuck(int sig) {
    (void)sig;
    hl_die_of(hl_crash_signal);
}

static void hl_on_crash(int sig, siginfo_t *si, void *context) {
    hl_crash_signal = sig;
    struct sigaction stuck = {.sa_handler = hl_on_stuck, .sa_flags = SA_ONSTACK};
    sigaction(SIGALRM, &stuck, NULL);
    alarm(HL_CRASH_WAIT_S);
    hl_note_crash(sig, si, context);
    hl_note_maps();
    hl_note_frames();
    alarm(0);
    /* Blocked until the handler returns; a fault would recur anyway when its instruction
     * runs again. */
    signal(sig, SIG_DFL);
    raise(sig);
}

static _Unwind_Reason_Code hl_unwind_nothing(struct _Unwind_Context *ctx, void *arg) {
    (void)ctx, (void)arg;
    return _URC_NO_REASON;
}

static void hl_notes_open(void) {
    const char *text = getenv("HEAPLAB_NOTES_FD");
    char *end;
    long fd = text ? strtol(text, &end, 10) : -1;
    if (fd < 3 || fd > INT_MAX || *end != '\0' || fcntl((int)fd, F_SETFD, FD_CLOEXEC) != 0) return;
    hl_notes_fd = (int)fd;
    /* The unwinder's first run may load libgcc_s and allocate: not in the handler. */
    _Unwind_Backtrace(hl_unwind_nothing, NULL);
    void *stack = mmap(NULL, HL_CRASH_STACK, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return;
    stack_t alt = {.ss_sp = stack, .ss_size = HL_CRASH_STACK};
    if (sigaltstack(&alt, NULL) != 0) return;
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
    struct sigaction crash = {.sa_sigaction = hl_on_crash, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigfillset(&crash.sa_mask);
    sigdelset(&crash.sa_mask, SIGALRM);
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) sigaction(fatal[i], &crash, NULL);
}

/* ---- the test's main, and the C library's heap at its end ------------------------------------ */

/* Test programs are linked with -Wl,--wrap=main, so the C library's startup calls __wrap_main,
 * which notes that main started before anything of the test runs, then checks where malloc
 * comes from. A program that ends without this note never ran its test: a constructor (the
 * allocator's, in practice) exited, crashed or hung before main, and the grader says so
 * (docs/results.md, before-main) rather than judging output the test never printed. */
int __real_main(int argc, char **argv, char **envp);
int __wrap_main(int argc, char **argv, char **envp);

/* libc's own mallinfo2, found through a handle on libc.so.6, so that a slot defining
 * mallinfo2 cannot answer in its place. */
static struct mallinfo2 (*hl_libc_mallinfo2)(void);

int __wrap_main(int argc, char **argv, char **envp) {
    hl_note("main\n");
    hl_check_allocator_in_use();
    void *libc = hl_slot_serves_malloc ? dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD) : NULL;
    if (libc != NULL) {
        *(void **)&hl_libc_mallinfo2 = dlsym(libc, "mallinfo2");
        dlclose(libc);
    }
    return __real_main(argc, argv, envp);
}

/* When the slot serves malloc, glibc's allocator has nothing to do: glibc's own allocations go
 * through the interposed malloc too. Memory in glibc's heap at the end (its arena, or blocks it
 * mapped) means the slot took its memory from libc's malloc, by __libc_malloc or by
 * dlsym(RTLD_NEXT, "malloc"), rather than from the system; the grader fails the test for it
 * (docs/results.md, libc-malloc). A destructor: it runs after the test's exit handlers, on exit
 * and on a return from main. */
__attribute__((destructor)) static void hl_note_libc_heap(void) {
    if (hl_libc_mallinfo2 == NULL) return;
    struct mallinfo2 heap = hl_libc_mallinfo2();
    if (heap.arena + heap.hblkhd != 0) hl_note("libc-heap %zu\n", heap.arena + heap.hblkhd);
}

/* ---- the course's alignment ------------------------------------------------------------------ */

size_t hl_align(void) {
    const char *text = getenv("HEAPLAB_ALIGN");
    if (text == NULL || *text == '\0') return 16;
    char *end;
    errno = 0;
    unsigned long align = strtoul(text, &end, 10);
    if (errno || *end || align == 0 || align > 4096 || (align & (align - 1)))
        hl_fail(__FILE__, __LINE__, "HEAPLAB_ALIGN=%s is not a power of two from 1 to 4096", text);
    return align;
}

void hl_check_aligned(const char *file, int line, const void *p, const char *fmt, ...) {
    uintptr_t at = (uintptr_t)p;
    size_t align = hl_align();
    if ((at & (align - 1)) == 0) return;
    char call[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call, sizeof call, fmt, ap);
    va_end(ap);
    hl_fail(file, line, "alignment: %s = %p is %zu-byte aligned; the course requires %zu", call, p,
            (size_t)(at & -at), align);
}

/* ---- random numbers and payload patterns -------------------------------------------------- */

#define HL_GAMMA 0x9e3779b97f4a7c15ULL

static inline uint64_t hl_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t hl_rand(uint64_t *state) {
    *state += HL_GAMMA;
    return hl_mix64(*state);
}

/* The pattern is the splitmix64 stream started from the seed: byte i of the payload is byte
 * i % 8 (little-endian) of word i / 8 of the stream. Distinct seeds start distinct streams. */
static inline uint64_t hl_pattern_base(uint64_t seed) {
    return hl_mix64(seed ^ 0x6a09e667f3bcc909ULL);
}

static inline uint64_t hl_pattern_word(uint64_t base, size_t k) {
    return hl_mix64(base + (uint64_t)(k + 1) * HL_GAMMA);
}

/* Word k of the pattern as it lies in memory: little-endian byte order on every host. */
static inline uint64_t hl_pattern_mem(uint64_t base, size_t k) {
    uint64_t w = hl_pattern_word(base, k);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

void hl_fill(void *p, size_t n, uint64_t seed) {
    unsigned char *b = p;
    uint64_t base = hl_pattern_base(seed);
    size_t words = n / 8;
    for (size_t k = 0; k < words; k++) {
        uint64_t w = hl_pattern_mem(base, k);
        memcpy(b + 8 * k, &w, 8);
    }
    if (n % 8) {
        uint64_t w = hl_pattern_mem(base, words);
        memcpy(b + 8 * words, &w, n % 8);
    }
}

size_t hl_first_mismatch(const void *p, size_t n, uint64_t seed) {
    const unsigned char *b = p;
    uint64_t base = hl_pattern_base(seed);
    size_t words = n / 8;
    size_t k = 0;
    /* Four words at a time without a branch each: verifying is most of a stress test's time. */
    for (; k + 4 <= words; k += 4) {
        uint64_t v[4], diff = 0;
        memcpy(v, b + 8 * k, sizeof v);
        for (int j = 0; j < 4; j++) diff |= v[j] ^ hl_pattern_mem(base, k + (size_t)j);
        if (diff) break;
    }
    for (; k < (n + 7) / 8; k++) {
        uint64_t w = hl_pattern_mem(base, k);
        size_t len = n - 8 * k < 8 ? n - 8 * k : 8;
        const unsigned char *want = (const unsigned char *)&w;
        for (size_t j = 0; j < len; j++)
            if (b[8 * k + j] != want[j]) return 8 * k + j;
    }
    return n;
}

bool hl_verify(const void *p, size_t n, uint64_t seed) {
    return hl_first_mismatch(p, n, seed) == n;
}

/* ---- the live set: a treap of [start, end) ranges keyed by start -------------------------- */

typedef struct hl_node {
    uintptr_t start, end; /* end > start: an empty block counts as one byte */
    size_t size;          /* the size the test asked for */
    uint64_t prio;
    struct hl_node *left, *right;
} hl_node;

static pthread_mutex_t hl_live_lock = PTHREAD_MUTEX_INITIALIZER;
static hl_node *hl_root;
static hl_node *hl_free_nodes;
static size_t hl_count, hl_bytes;
static uint64_t hl_prio_state = 0x243f6a8885a308d3ULL;

/* Nodes come from 1 MiB chunks mapped here and are recycled through a free list. */
#define HL_CHUNK (1u << 20)

static hl_node *hl_node_get(void) {
    if (!hl_free_nodes) {
        void *chunk =
            mmap(NULL, HL_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (chunk == MAP_FAILED) return NULL;
        hl_node *nodes = chunk;
        size_t n = HL_CHUNK / sizeof(hl_node);
        for (size_t i = 0; i < n; i++) {
            nodes[i].left = hl_free_nodes;
            hl_free_nodes = &nodes[i];
        }
    }
    hl_node *node = hl_free_nodes;
    hl_free_nodes = node->left;
    return node;
}

static void hl_node_put(hl_node *node) {
    node->left = hl_free_nodes;
    hl_free_nodes = node;
}

/* Split t into keys < key and keys >= key. */
static void hl_split(hl_node *t, uintptr_t key, hl_node **lo, hl_node **hi) {
    while (t) {
        if (t->start < key) {
            *lo = t;
            lo = &t->right;
            t = t->right;
        } else {
            *hi = t;
            hi = &t->left;
            t = t->left;
        }
    }
    *lo = NULL;
    *hi = NULL;
}

/* Merge a and b, every key of a below every key of b. */
static hl_node *hl_merge(hl_node *a, hl_node *b) {
    hl_node *root = NULL, **link = &root;
    while (a && b) {
        if (a->prio > b->prio) {
            *link = a;
            link = &a->right;
            a = a->right;
        } else {
            *link = b;
            link = &b->left;
            b = b->left;
        }
    }
    *link = a ? a : b;
    return root;
}

/* The live blocks next to key: the one with the greatest start <= key (*below) and the one
 * with the least start > key (*above), each NULL when there is none. One descent. */
static void hl_neighbours(uintptr_t key, hl_node **below, hl_node **above) {
    hl_node *t = hl_root;
    *below = *above = NULL;
    while (t) {
        if (t->start <= key) {
            *below = t;
            t = t->right;
        } else {
            *above = t;
            t = t->left;
        }
    }
}

/* Insert node (its key not present): descend while the priorities stay above node's, then
 * split the rest of the path around it. */
static void hl_insert(hl_node *node) {
    hl_node **link = &hl_root;
    while (*link && (*link)->prio > node->prio)
        link = node->start < (*link)->start ? &(*link)->left : &(*link)->right;
    hl_split(*link, node->start, &node->left, &node->right);
    *link = node;
}

void hl_live_add(void *p, size_t n, size_t align) {
    uintptr_t start = (uintptr_t)p;
    if (!p) hl_fail(__FILE__, __LINE__, "live block of %zu bytes is NULL", n);
    if (align & (align - 1))
        hl_fail(__FILE__, __LINE__, "alignment %zu is not a power of two", align);
    if (start & (align - 1))
        hl_fail(__FILE__, __LINE__, "block %p (%zu bytes) is not aligned to %zu", p, n, align);
    uintptr_t end = start + (n ? n : 1);
    if (end < start) hl_fail(__FILE__, __LINE__, "block %p of %zu bytes wraps around", p, n);

    pthread_mutex_lock(&hl_live_lock);
    hl_node *below, *above;
    hl_neighbours(start, &below, &above);
    hl_node *clash = below && below->end > start   ? below
                     : above && above->start < end ? above
                                                   : NULL;
    if (clash) {
        uintptr_t os = clash->start;
        size_t on = clash->size;
        pthread_mutex_unlock(&hl_live_lock);
        hl_fail(__FILE__, __LINE__, "block %p (%zu bytes) overlaps live block %p (%zu bytes)", p, n,
                (void *)os, on);
    }
    hl_node *node = hl_node_get();
    if (!node) {
        pthread_mutex_unlock(&hl_live_lock);
        hl_fail(__FILE__, __LINE__, "live set: cannot map memory for its nodes");
    }
    node->start = start;
    node->end = end;
    node->size = n;
    node->prio = hl_rand(&hl_prio_state);
    hl_insert(node);
    hl_count++;
    hl_bytes += n;
    pthread_mutex_unlock(&hl_live_lock);
}

void hl_live_remove(void *p) {
    uintptr_t key = (uintptr_t)p;
    pthread_mutex_lock(&hl_live_lock);
    hl_node **link = &hl_root;
    while (*link && (*link)->start != key)
        link = key < (*link)->start ? &(*link)->left : &(*link)->right;
    hl_node *node = *link;
    if (!node) {
        pthread_mutex_unlock(&hl_live_lock);
        hl_fail(__FILE__, __LINE__, "block %p is not live", p);
    }
    *link = hl_merge(node->left, node->right);
    hl_count--;
    hl_bytes -= node->size;
    hl_node_put(node);
    pthread_mutex_unlock(&hl_live_lock);
}

size_t hl_live_count(void) {
    pthread_mutex_lock(&hl_live_lock);
    size_t n = hl_count;
    pthread_mutex_unlock(&hl_live_lock);
    return n;
}

size_t hl_live_bytes(void) {
    pthread_mutex_lock(&hl_live_lock);
    size_t n = hl_bytes;
    pthread_mutex_unlock(&hl_live_lock);
    return n;
}

/* ---- checked allocation ----------------------------------------------------------------- */

void *hl_malloc(size_t n, uint64_t seed) {
    void *p = malloc(n);
    if (!p) {
        if (n == 0) return NULL; /* malloc(0) may return NULL */
        hl_fail(__FILE__, __LINE__, "malloc(%zu) returned NULL", n);
    }
    hl_live_add(p, n, 1);
    hl_fill(p, n, seed);
    return p;
}

void hl_free(void *p, size_t n, uint64_t seed) {
    if (!p) {
        free(p);
        return;
    }
    size_t bad = hl_first_mismatch(p, n, seed);
    if (bad != n)
        hl_fail(__FILE__, __LINE__, "block %p (%zu bytes): byte %zu changed while it was live", p,
                n, bad);
    hl_live_remove(p);
    free(p);
}

/* ---- footprint --------------------------------------------------------------------------- */

/* The value of `key` (e.g. "VmData:") in /proc/self/status, in bytes; 0 when absent. */
static size_t hl_status_kb(const char *key) {
    char buf[8192];
    size_t len = 0;
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    while (len < sizeof buf - 1) {
        ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    size_t klen = strlen(key);
    for (char *line = buf; line && *line;) {
        if (strncmp(line, key, klen) == 0) {
            char *s = line + klen;
            while (*s == ' ' || *s == '\t') s++;
            size_t v = 0;
            while (*s >= '0' && *s <= '9') v = v * 10 + (size_t)(*s++ - '0');
            return v * 1024;
        }
        line = strchr(line, '\n');
        if (line) line++;
    }
    return 0;
}

size_t hl_footprint(void) {
    return hl_status_kb("VmData:");
}

size_t hl_rss(void) {
    return hl_status_kb("VmRSS:");
}

/* ---- running other programs -------------------------------------------------------------- */

int hl_system(const char *cmd, bool with_slot) {
    /* The child's environment is built here, before fork, on the stack: no allocation, and
     * nothing in the child but execve. */
    size_t nenv = 0;
    while (environ && environ[nenv]) nenv++;
    char **envp = alloca((nenv + 1) * sizeof *envp);
    size_t k = 0;
    for (size_t i = 0; i < nenv; i++) {
        if (!with_slot && strncmp(environ[i], "LD_PRELOAD=", 11) == 0) continue;
        envp[k++] = environ[i];
    }
    envp[k] = NULL;
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};

    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execve("/bin/sh", argv, envp);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

void hl_check_zero(const void *p, size_t n, const char *what) {
    const unsigned char *bytes = p;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w = 0;
        size_t len = n - i < 8 ? n - i : 8;
        memcpy(&w, bytes + i, len);
        if (w)
            for (size_t j = i; j < i + len; j++)
                CHECK_MSG(bytes[j] == 0, "%s of %zu bytes: byte %zu is 0x%02x, not zero", what, n,
                          j, bytes[j]);
    }
}

/* ---- real programs ------------------------------------------------------------------------- */

void hl_write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK_MSG(fd >= 0, "cannot create %s in the working directory", path);
    size_t n = strlen(text);
    CHECK(write(fd, text, n) == (ssize_t)n);
    close(fd);
}

/* The first line of a file, for failure messages. */
static const char *hl_first_line(const char *path) {
    static char buf[200];
    buf[0] = '\0';
    int fd = open(path, O_RDONLY);
    if (fd < 0) return "(no output)";
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return buf[0] ? buf : "(empty)";
}

/* hl_system, with run and ran notes around it: a test killed at its time limit then says which
 * program was running on which allocator (`where`), and how long it took on libc's. */
static int hl_system_noted(const char *prog, const char *where, const char *cmd, bool with_slot) {
    hl_note("run %s %s\n", prog, where);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int status = hl_system(cmd, with_slot);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    hl_note("ran %s %s %.2f %d\n", prog, where, seconds, status);
    return status;
}

/* The slot run preloads the allocator into the programs under test alone (`prog`, or each of
 * `awk+sed`), through shell functions that wrap them: the shell and the helpers of a pipeline
 * (seq, grep, wc) stay on libc's allocator, so a fault is charged to the program it names. */
static void hl_wrap_programs(char *run, size_t size, const char *prog, const char *preload) {
    size_t len = 0;
    run[0] = '\0';
    for (const char *p = prog; *p != '\0';) {
        size_t n = strcspn(p, "+");
        int w = snprintf(run + len, size - len, "%.*s() { LD_PRELOAD='%s' command %.*s \"$@\"; }; ",
                         (int)n, p, preload, (int)n, p);
        CHECK_MSG(w > 0 && (size_t)w < size - len, "command too long for %s", prog);
        len += (size_t)w;
        p += n + (p[n] == '+');
    }
}

/* Why glibc-built programs may fail on an allocator that is right by the C standard. */
static const char *hl_malloc0_hint(void) {
    void *p = malloc(0);
    free(p);
    return p ? ""
             : " (note: malloc(0) returns NULL here; C allows it, but programs built for glibc, "
               "such as sed, grep and sort through gnulib's xmalloc, take it for running out of "
               "memory)";
}

void hl_run_both(const char *prog, const char *cmd, const char *const *outputs) {
    char run[8192], err[64];
    snprintf(run, sizeof run, cmd, "libc");
    int libc = hl_system_noted(prog, "libc", run, false);
    snprintf(err, sizeof err, "%s.err.libc", prog);
    CHECK_MSG(libc == 0, "%s failed on libc's allocator (exit %d): %s", prog, libc,
              hl_first_line(err));
    const char *preload = getenv("LD_PRELOAD");
    size_t wrap = 0;
    if (preload != NULL && strchr(preload, '\'') == NULL) {
        hl_wrap_programs(run, sizeof run, prog, preload);
        wrap = strlen(run);
    }
    snprintf(run + wrap, sizeof run - wrap, cmd, "slot");
    int slot = hl_system_noted(prog, "slot", run, wrap == 0);
    snprintf(err, sizeof err, "%s.err.slot", prog);
    /* A program that gave up (rather than crashed) may have taken malloc(0)'s NULL for ENOMEM. */
    CHECK_MSG(slot == libc, "%s exited with %d on the allocator, %d on libc's: %s%s", prog, slot,
              libc, hl_first_line(err), slot > 0 && slot < 128 ? hl_malloc0_hint() : "");
    printf("%s: exit 0 with both allocators\n", prog);
    for (int i = 0; outputs[i]; i++) {
        char a[128], b[128], cmp[300];
        snprintf(a, sizeof a, outputs[i], "libc");
        snprintf(b, sizeof b, outputs[i], "slot");
        snprintf(cmp, sizeof cmp, "cmp -s %s %s", a, b);
        if (hl_system(cmp, false) == 0) continue;
        /* A pipeline's status is its last command's: what a failing program said is in err. */
        char said[200];
        snprintf(said, sizeof said, "%s", hl_first_line(err));
        hl_fail(__FILE__, __LINE__, "%s: %s and %s differ (first line: %s; its errors: %s)%s", prog,
                a, b, hl_first_line(b), said, hl_malloc0_hint());
    }
}

/* ---- leak reports ---------------------------------------------------------------------------- */

static int hl_by_address(const void *a, const void *b) {
    const struct hl_block *x = a, *y = b;
    return x->p < y->p ? -1 : x->p > y->p;
}

char *hl_capture(int fd, void (*print)(void), size_t *len) {
    fflush(fd == STDERR_FILENO ? stderr : stdout);
    int file = memfd_create("heaplab-capture", 0), saved = dup(fd);
    CHECK(file >= 0 && saved >= 0 && dup2(file, fd) >= 0);
    print();
    fflush(fd == STDERR_FILENO ? stderr : stdout);
    CHECK(dup2(saved, fd) >= 0);
    close(saved);
    off_t size = lseek(file, 0, SEEK_END);
    CHECK(size >= 0);
    char *text = mmap(NULL, (size_t)size + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE, file, 0);
    CHECK(text != MAP_FAILED);
    close(file);
    text[size] = '\0';
    *len = (size_t)size;
    return text;
}

void hl_capture_free(char *text, size_t len) {
    munmap(text, len + 1);
}

void hl_stats_read(struct hl_stats *st) {
    size_t len;
    char *text = hl_capture(STDERR_FILENO, malloc_stats, &len);
    bool have_total = false;
    st->nrows = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        struct hl_stats_row r = {0};
        if (sscanf(line, ALLOC_STATS_ROW, &r.cls, &r.size, &r.blocks, &r.used, &r.free, &r.requests,
                   &r.frees) == 7) {
            CHECK_MSG(st->nrows < HL_STATS_ROWS, "malloc_stats printed over %d size classes",
                      HL_STATS_ROWS);
            st->rows[st->nrows++] = r;
        } else if (sscanf(line, ALLOC_STATS_TOTAL, &r.blocks, &r.used, &r.free, &r.requests,
                          &r.frees) == 5) {
            st->total = r;
            have_total = true;
        }
    }
    hl_capture_free(text, len);
    CHECK_MSG(st->nrows > 0, "no size-class rows in malloc_stats output");
    CHECK_MSG(have_total, "no total row in malloc_stats output");
}

struct hl_stats_row *hl_stats_row_for(struct hl_stats *st, size_t n) {
    for (int i = 0; i < st->nrows; i++)
        if (st->rows[i].size >= n) return &st->rows[i];
    hl_fail(__FILE__, __LINE__, "no size class serves %zu bytes", n);
}

size_t hl_check_leak_report(void (*print)(void), const char *file, struct hl_block *blocks,
                            size_t n) {
    size_t len, lines = 0;
    char *out = hl_capture(STDOUT_FILENO, print, &len);
    qsort(blocks, n, sizeof blocks[0], hl_by_address);
    for (char *s = out, *nl; *s; s = nl + 1) {
        nl = strchr(s, '\n');
        CHECK_MSG(nl != NULL, "report line without a newline: %.80s", s);
        *nl = '\0';
        char where[256];
        int line;
        void *p;
        size_t size;
        CHECK_MSG(sscanf(s, "LEAK CHECK: %255[^:]:%d: allocated object %p with size %zu", where,
                         &line, &p, &size) == 4,
                  "not a leak-report line: %s", s);
        CHECK_MSG(strcmp(where, file) == 0, "file %s, expected %s: %s", where, file, s);
        struct hl_block key = {.p = p},
                        *e = bsearch(&key, blocks, n, sizeof blocks[0], hl_by_address);
        CHECK_MSG(e != NULL, "reported a pointer not allocated or freed: %s", s);
        CHECK_MSG(e->leaked, "reported a freed block: %s", s);
        CHECK_MSG(!e->seen, "reported twice: %s", s);
        CHECK_MSG(e->n == size && e->line == line, "expected size %zu line %d: %s", e->n, e->line,
                  s);
        e->seen = true;
        lines++;
    }
    for (size_t i = 0; i < n; i++)
        CHECK_MSG(!blocks[i].leaked || blocks[i].seen,
                  "leak of %p (%zu bytes, line %d) not reported", blocks[i].p, blocks[i].n,
                  blocks[i].line);
    hl_capture_free(out, len);
    return lines;
}
