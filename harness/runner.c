/* runner - run one heaplab test in isolation and record what it did.

   Usage: runner [options] -- PROGRAM [ARGS...]

   Runs PROGRAM in its own process group and a work directory of its own, under resource
   limits, with standard input from /dev/null and standard output and standard error captured
   together through one pipe (so lines keep the order a terminal would show), then writes one
   line of JSON describing what happened. A crashing, hanging or flooding test costs only
   its own result.

   Options: the table RUNNER_OPTIONS below, which `runner --help` prints; the limits are
   RLIMIT_CPU (see cpu_limit_of), RLIMIT_AS, RLIMIT_FSIZE, RLIMIT_NOFILE and RLIMIT_NPROC (the
   tasks the test's user already has, plus --nproc). A test that writes more than --max-output
   is "output-limit"; what of its output is kept is described at "capture" below.
   RLIMIT_CORE is always 0. HOME and TMPDIR point to the work dir, and HEAPLAB_NOTES_FD to the
   notes descriptor (below); --env and --unsetenv are applied after that, in command-line order.
   Inherited file descriptors other than 0, 1 and 2 are closed, and inherited ignored signals
   are restored to their defaults.

   Notes: the test may write lines to the descriptor HEAPLAB_NOTES_FD names (a memfd of the
   runner's), for the grader and not for its output: the test runtime (test_runtime.c) writes
   where a crash happened there. They are recorded in the result, up to 256 KiB.

   When the test's first process (the leader) exits, the rest of its process group is killed,
   and so is every process that left the group (setsid): the runner is a child subreaper, so
   such processes become its children when their parents die, and it kills its children until
   none is left. Only then is the rest of the output read and the work dir removed.

   The box (--box): the test runs in mount, PID, network, IPC and UTS namespaces of its own, made
   by the runner when it is root, and otherwise in a user namespace that maps the caller's user
   to itself. Its root is a fresh tmpfs holding read-only binds of /usr and /etc (and of /bin,
   /lib, /lib32, /lib64 and /sbin, or their symbolic links), a few devices (null, zero, full,
   random, urandom, tty), the PID namespace's own /proc (the test is PID 2; PID 1 is a small
   init whose command line is blanked, see box_init), private tmpfs at /tmp and /dev/shm, the work dir at its own path, and PROGRAM
   read-only at /heaplab/test, which is also its argv[0]: a test cannot learn its name from
   where it runs. The network namespace has no interface but a loopback that is down. Binds
   work whatever the modes of the directories above their sources, so the test's user needs
   no access to them. Then --hide, --bind and --trap paths are laid over that root, in that
   order. Where neither kind of namespace can be made, the test runs unboxed, the binds'
   paths in its environment name their sources, and the result says so (`isolation`).

   The test's user (--user NAME, when the runner is root): a user id of the test's own,
   TEST_UID_BASE plus the runner's pid, in NAME's primary group and no other, which owns the
   fresh work dir and traps. Tests running at the same time thus never share a user: one's
   processes count nothing against another's RLIMIT_NPROC, and cannot signal or trace another's
   (the PID namespace of the box hides them as well). In the box, /etc/passwd is the host's with
   NAME's entry giving that id, the group and the work dir as home, so getpwuid() finds the
   test's user; unboxed, the id has no entry. Not root, --user is ignored and the test runs as
   the caller.

   Result: one JSON object on one line, the runner's facts about the run (how the leader
   ended, its times and limits, its output and notes), never a verdict: docs/results.md
   describes each key, and grader/verdict.py decides the verdict from them.

   Exit status:
     0      a result was written, whatever the test did
     1      internal error; no result
     2      usage error; no result
     128+N  the runner received signal N (SIGINT, SIGTERM or SIGHUP): the test was killed,
            its work dir removed, and no result written  */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_INTERNAL = 1, EXIT_USAGE = 2, EXIT_ON_SIGNAL = 128 };

#define DEFAULT_TIMEOUT    10.0
#define MAX_TIMEOUT        1e9
#define DEFAULT_MAX_OUTPUT 1048576
#define DEFAULT_MEMORY_MB  4096
#define DEFAULT_FSIZE_MB   256
#define DEFAULT_NOFILE     256
#define DEFAULT_NPROC      256
#define MAX_MEGABYTES      (1ULL << 40)
#define MIB                (1024ULL * 1024)

/* Where the tests' own user ids start: each is this plus its runner's pid (at most 2^22), so
   runners at the same time never share one. Between the container ranges and the foreign ids
   of systemd's table (systemd.io/UIDS-GIDS), where no user of a distribution is. */
#define TEST_UID_BASE 0x70000000U

/* Every option, once: its name, its argument and what it does, for getopt_long and --help. */
#define RUNNER_OPTIONS(X)                                                                          \
    X(NAME, "name", "NAME", "name recorded in the result (default: PROGRAM's basename)")           \
    X(OUT, "out", "FILE",                                                                          \
      "write the JSON result to FILE, through FILE.tmp and rename() (default: standard "           \
      "output)")                                                                                   \
    X(TIMEOUT, "timeout", "SECONDS", "wall-clock limit, may be fractional (default 10)")           \
    X(MAX_OUTPUT, "max-output", "BYTES", "cap on captured output (default 1048576)")               \
    X(MEMORY, "memory", "MB", "address-space limit, 0 to leave it as inherited (default 4096)")    \
    X(FSIZE, "fsize", "MB", "file-size limit (default 256)")                                       \
    X(NOFILE, "nofile", "N", "open-file limit (default 256)")                                      \
    X(NPROC, "nproc", "N", "processes the test may add to its user's (default 256)")               \
    X(ENV, "env", "NAME=VALUE", "set in the test's environment (repeatable)")                      \
    X(UNSETENV, "unsetenv", "NAME", "remove from the test's environment (repeatable)")             \
    X(USER, "user", "NAME",                                                                        \
      "when the runner is root, run the test under a user id of its own, in NAME's group and "     \
      "named NAME in the box")                                                                     \
    X(WORKDIR, "workdir", "DIR",                                                                   \
      "run the test in DIR (default: a fresh directory under $TMPDIR, removed after)")             \
    X(BOX, "box", "", "run the test in a box of namespaces (see \"The box\" below)")               \
    X(BIND, "bind", "PATH=SOURCE", "in the box, SOURCE (file or directory) read-only at PATH")     \
    X(BIND_WRITABLE, "bind-writable", "PATH=SOURCE",                                               \
      "as --bind, but writable: a file the test appends to (the tracker's records)")               \
    X(HIDE, "hide", "DIR", "in the box, an empty read-only directory over DIR, if the box has it") \
    X(TRAP, "trap", "DIR",                                                                         \
      "in the box, an empty writable directory at DIR; what the test leaves there is listed")      \
    X(HELP, "help", "", "print this help and exit")

/* ---- state to undo, errors ------------------------------------------------------------------ */

enum { MAX_FRESH_DIRS = 17 }; /* the work dir and 16 traps */

/* What the runner must undo however it ends: a test still running, directories it made. */
static struct {
    pid_t group;                /* the test's process group, until it is killed */
    char *dirs[MAX_FRESH_DIRS]; /* the fresh work dir and traps, until they are removed */
    size_t n_dirs;
    bool chowned; /* they were given to the test's user */
} live;

static void clean_up_test(void);

static _Noreturn void die(const char *what) {
    fprintf(stderr, "runner: %s: %s\n", what, strerror(errno));
    clean_up_test();
    exit(EXIT_INTERNAL);
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) die("vasprintf");
    return s;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* wait4 that retries when a signal interrupted it, and only then. */
static pid_t reap(pid_t pid, int *status, struct rusage *usage) {
    pid_t r;
    do r = wait4(pid, status, 0, usage);
    while (r < 0 && errno == EINTR);
    return r;
}

/* ---- options ------------------------------------------------------------------------------- */

struct options {
    const char *name;
    const char *out;
    double timeout;
    unsigned long long max_output, memory_mb, fsize_mb, nofile, nproc;
    const char *user;
    char *workdir;    /* --workdir made absolute, or NULL for a fresh one */
    char **env_edits; /* "NAME=VALUE" to set, "NAME" to remove, in command-line order */
    size_t n_env_edits;
    char **argv; /* PROGRAM [ARGS...] */
    bool box;
    char **binds, **hides, **traps; /* --bind PATH=SOURCE, --hide DIR, --trap DIR */
    bool *writable;                 /* binds[i] came from --bind-writable */
    size_t n_binds, n_hides, n_traps;
};

#define OPTION_ENUM(id, name, arg, help) OPT_##id,
enum { OPT_BEFORE_FIRST = 255, RUNNER_OPTIONS(OPTION_ENUM) };

#define OPTION_GETOPT(id, name, arg, help)                                                         \
    {name, arg[0] ? required_argument : no_argument, NULL, OPT_##id},
static const struct option long_options[] = {RUNNER_OPTIONS(OPTION_GETOPT){NULL, 0, NULL, 0}};

#define OPTION_HELP(id, name, arg, help) {name, arg, help},
static const struct {
    const char *name, *arg, *help;
} option_help[] = {RUNNER_OPTIONS(OPTION_HELP)};

static void print_usage(FILE *f) {
    fputs("usage: runner [options] -- PROGRAM [ARGS...]\n", f);
    for (size_t i = 0; i < sizeof option_help / sizeof option_help[0]; i++) {
        char spec[64];
        snprintf(spec, sizeof spec, "%s%s%s", option_help[i].name, option_help[i].arg[0] ? " " : "",
                 option_help[i].arg);
        fprintf(f, "  --%-18s %s\n", spec, option_help[i].help);
    }
    fputs("exit status: 0 result written, 1 internal error, 2 usage error, 128+N on signal N\n", f);
}

static _Noreturn __attribute__((format(printf, 1, 2))) void usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("runner: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    print_usage(stderr);
    exit(EXIT_USAGE);
}

static double parse_seconds(const char *option, const char *s) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    /* Written so that NaN fails too. */
    if (end == s || *end != '\0' || errno != 0 || !(v > 0 && v <= MAX_TIMEOUT))
        usage_error("--%s: expected seconds in (0, %.0f], got '%s'", option, MAX_TIMEOUT, s);
    return v;
}

static unsigned long long parse_count(const char *option, const char *s, unsigned long long max) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    /* strtoull would accept a sign and wrap "-1" around; only digits are a count. */
    if (!isdigit((unsigned char)s[0]) || *end != '\0' || errno != 0 || v > max)
        usage_error("--%s: expected a whole number in [0, %llu], got '%s'", option, max, s);
    return v;
}

static void add_env_edit(struct options *o, char *edit, bool set) {
    const char *eq = strchr(edit, '=');
    if (set && (eq == NULL || eq == edit))
        usage_error("--env: expected NAME=VALUE, got '%s'", edit);
    if (!set && (edit[0] == '\0' || eq != NULL))
        usage_error("--unsetenv: expected a NAME, got '%s'", edit);
    o->env_edits[o->n_env_edits++] = edit;
}

static char *absolute_workdir(const char *dir) {
    char *abs = realpath(dir, NULL);
    if (abs == NULL) usage_error("--workdir: %s: %s", dir, strerror(errno));
    return abs;
}

/* A path in the box: absolute, not "/" itself, and for --bind followed by "=SOURCE". */
static char *box_path(char *arg, const char *option, bool with_source) {
    char *eq = strchr(arg, '=');
    size_t len = with_source ? (eq ? (size_t)(eq - arg) : 0) : strlen(arg);
    if (arg[0] != '/' || len < 2 || (with_source && eq[1] == '\0') || (!with_source && eq))
        usage_error("--%s: expected an absolute path other than /%s, got '%s'", option,
                    with_source ? ", '=' and a SOURCE" : "", arg);
    return arg;
}

static void parse_option(struct options *o, int opt, char **argv) {
    switch (opt) {
        case OPT_NAME:
            o->name = optarg;
            break;
        case OPT_OUT:
            o->out = optarg;
            break;
        case OPT_TIMEOUT:
            o->timeout = parse_seconds("timeout", optarg);
            break;
        case OPT_MAX_OUTPUT:
            o->max_output = parse_count("max-output", optarg, SSIZE_MAX);
            break;
        case OPT_MEMORY:
            o->memory_mb = parse_count("memory", optarg, MAX_MEGABYTES);
            break;
        case OPT_FSIZE:
            o->fsize_mb = parse_count("fsize", optarg, MAX_MEGABYTES);
            break;
        case OPT_NOFILE:
            o->nofile = parse_count("nofile", optarg, INT_MAX);
            break;
        case OPT_NPROC:
            o->nproc = parse_count("nproc", optarg, INT_MAX);
            break;
        case OPT_ENV:
            add_env_edit(o, optarg, true);
            break;
        case OPT_UNSETENV:
            add_env_edit(o, optarg, false);
            break;
        case OPT_USER:
            o->user = optarg;
            break;
        case OPT_WORKDIR:
            free(o->workdir);
            o->workdir = absolute_workdir(optarg);
            break;
        case OPT_BOX:
            o->box = true;
            break;
        case OPT_BIND:
        case OPT_BIND_WRITABLE:
            o->writable[o->n_binds] = opt == OPT_BIND_WRITABLE;
            o->binds[o->n_binds++] =
                box_path(optarg, opt == OPT_BIND ? "bind" : "bind-writable", true);
            break;
        case OPT_HIDE:
            o->hides[o->n_hides++] = box_path(optarg, "hide", false);
            break;
        case OPT_TRAP:
            if (o->n_traps == MAX_FRESH_DIRS - 1)
                usage_error("--trap: at most %d", MAX_FRESH_DIRS - 1);
            o->traps[o->n_traps++] = box_path(optarg, "trap", false);
            break;
        case OPT_HELP:
            print_usage(stdout);
            exit(0);
        default:
            usage_error("unknown option or missing argument: %s", argv[optind - 1]);
    }
}

static struct options parse_options(int argc, char **argv) {
    struct options o = {
        .timeout = DEFAULT_TIMEOUT,
        .max_output = DEFAULT_MAX_OUTPUT,
        .memory_mb = DEFAULT_MEMORY_MB,
        .fsize_mb = DEFAULT_FSIZE_MB,
        .nofile = DEFAULT_NOFILE,
        .nproc = DEFAULT_NPROC,
        .env_edits = calloc((size_t)argc, sizeof(char *)),
        .binds = calloc((size_t)argc, sizeof(char *)),
        .hides = calloc((size_t)argc, sizeof(char *)),
        .traps = calloc((size_t)argc, sizeof(char *)),
        .writable = calloc((size_t)argc, sizeof(bool)),
    };
    if (!o.env_edits || !o.binds || !o.hides || !o.traps || !o.writable) die("calloc");
    opterr = 0;
    int opt;
    /* "+": options end at PROGRAM, so the test's own arguments are never taken for ours. */
    while ((opt = getopt_long(argc, argv, "+", long_options, NULL)) != -1)
        parse_option(&o, opt, argv);
    if (optind >= argc) usage_error("no PROGRAM given");
    o.argv = argv + optind;
    if (o.name == NULL) {
        const char *slash = strrchr(o.argv[0], '/');
        o.name = slash ? slash + 1 : o.argv[0];
    }
    return o;
}

/* ---- signals ------------------------------------------------------------------------------- */

static volatile sig_atomic_t stop_signal;

/* The mask the runner waits with in ppoll(): the signals below are blocked everywhere else, so
   one that arrives before the wait is delivered when it starts instead of being missed. */
static sigset_t wait_mask;

static void on_stop(int sig) {
    stop_signal = sig;
}

static void on_child(int sig) {
    (void)sig; /* only there so that SIGCHLD interrupts ppoll() */
}

/* Installed before the fork, as coreutils' timeout does, so no signal finds the test
   running with nobody to kill it. */
static void catch_signals(void) {
    static const int stops[] = {SIGINT, SIGTERM, SIGHUP};
    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGCHLD);
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) sigaddset(&handled, stops[i]);
    if (sigprocmask(SIG_BLOCK, &handled, &wait_mask) != 0) die("sigprocmask");

    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        sigaction(stops[i], &sa, NULL);
        sigdelset(&wait_mask, stops[i]);
    }
    sa.sa_handler = on_child;
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    sigdelset(&wait_mask, SIGCHLD);
}

/* ---- /proc --------------------------------------------------------------------------------- */

/* The next process listed in /proc, or 0 at the end. */
static pid_t next_process(DIR *proc) {
    struct dirent *e;
    while ((e = readdir(proc)) != NULL)
        if (isdigit((unsigned char)e->d_name[0])) return (pid_t)atoi(e->d_name);
    return 0;
}

/* Reads /proc/PID/FILE into buf as a string; false when the process is gone. */
static bool read_proc_file(pid_t pid, const char *file, char *buf, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0) return false;
    buf[n] = '\0';
    return true;
}

/* A process' parent and process group; false when it is gone. */
static bool family_of(pid_t pid, pid_t *parent, pid_t *group) {
    char stat[512];
    if (!read_proc_file(pid, "stat", stat, sizeof stat)) return false;
    /* "PID (COMM) STATE PPID PGRP ...": COMM may hold spaces and parentheses, so go past the
       last ')'. */
    const char *end_of_comm = strrchr(stat, ')');
    int ppid, pgrp;
    if (end_of_comm == NULL || sscanf(end_of_comm + 1, " %*c %d %d", &ppid, &pgrp) != 2)
        return false;
    *parent = (pid_t)ppid;
    *group = (pid_t)pgrp;
    return true;
}

static pid_t parent_of(pid_t pid) {
    pid_t parent, group;
    return family_of(pid, &parent, &group) ? parent : -1;
}

/* A process' arguments joined by spaces, or NULL when it has none (a zombie) or is gone. */
static char *command_line_of(pid_t pid) {
    char args[4096];
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    ssize_t n = read(fd, args, sizeof args - 1);
    close(fd);
    while (n > 0 && args[n - 1] == '\0') n--;
    if (n <= 0) return NULL;
    for (ssize_t i = 0; i < n; i++)
        if (args[i] == '\0') args[i] = ' ';
    args[n] = '\0';
    return xasprintf("%s", args);
}

/* RLIMIT_NPROC counts tasks, threads included, by real user id: count them the same way. */
static unsigned long long count_tasks_of(uid_t uid) {
    DIR *proc = opendir("/proc");
    if (proc == NULL) die("/proc");
    unsigned long long tasks = 0;
    char status[4096];
    pid_t pid;
    while ((pid = next_process(proc)) > 0) {
        if (!read_proc_file(pid, "status", status, sizeof status)) continue;
        const char *real_uid = strstr(status, "\nUid:");
        const char *threads = strstr(status, "\nThreads:");
        if (real_uid && threads && strtoul(real_uid + 5, NULL, 10) == uid)
            tasks += strtoull(threads + 9, NULL, 10);
    }
    closedir(proc);
    return tasks;
}

static void kill_children(void) {
    DIR *proc = opendir("/proc");
    if (proc == NULL) die("/proc");
    pid_t self = getpid(), pid;
    while ((pid = next_process(proc)) > 0)
        if (parent_of(pid) == self) kill(pid, SIGKILL);
    closedir(proc);
}

/* Killing the test's process group misses processes that left it (setsid, setpgid). The
   runner is a child subreaper, so each of them becomes its child when its parent dies: kill
   every child, wait for one to die (which may hand over its orphans), and repeat until no
   child is left. */
static void kill_remaining_children(void) {
    for (;;) {
        kill_children();
        if (reap(-1, NULL, NULL) < 0) {
            if (errno == ECHILD) return;
            die("wait4");
        }
        /* Reap the others already dead before scanning /proc again. */
        while (waitpid(-1, NULL, WNOHANG) > 0) continue;
    }
}

/* ---- fresh directories --------------------------------------------------------------------- */

/* A fresh directory under $TMPDIR (the work dir, a trap), removed when the test is over. */
static char *make_fresh_dir(uid_t uid, gid_t gid, bool give_to_user) {
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0') tmp = "/tmp";
    char *template = xasprintf("%s/heaplab-XXXXXX", tmp);
    if (mkdtemp(template) == NULL) die(template);
    size_t slot = live.n_dirs++;
    live.dirs[slot] = template;
    /* HOME and TMPDIR must stay valid after the test changes directory. */
    char *abs = realpath(template, NULL);
    if (abs == NULL) die(template);
    live.dirs[slot] = abs;
    free(template);
    if (give_to_user) {
        if (chown(abs, uid, gid) != 0) die(abs);
        live.chowned = true;
    }
    return abs;
}

/* Gives the owner access to each directory before nftw reads it. nftw opens a directory
   before reporting it, so an unreadable one is reported as FTW_DNR and not entered: fix it and
   stop the walk, to be started again. */
static int make_accessible(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)ftw;
    if (type == FTW_D) chmod(path, S_IRWXU);
    return type == FTW_DNR && chmod(path, S_IRWXU) == 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

static void remove_fresh_dir(const char *dir, bool chowned) {
    /* Taken back first, so no process of the test's user can enter the tree and swap a
       directory for a symbolic link while root deletes it. */
    if (chowned && (chown(dir, getuid(), getgid()) != 0 || chmod(dir, S_IRWXU) != 0))
        fprintf(stderr, "runner: cannot take back %s: %s\n", dir, strerror(errno));
    /* Root needs no permission; anyone else may find directories the test locked. */
    if (geteuid() != 0)
        while (nftw(dir, make_accessible, 16, FTW_PHYS) == 1) continue;
    if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "runner: cannot remove %s: %s\n", dir, strerror(errno));
}

static void clean_up_test(void) {
    if (live.group > 0) {
        kill(-live.group, SIGKILL);
        live.group = 0;
        kill_remaining_children();
    }
    while (live.n_dirs > 0) {
        char *dir = live.dirs[--live.n_dirs];
        remove_fresh_dir(dir, live.chowned);
        free(dir);
    }
}

/* ---- the child ----------------------------------------------------------------------------- */

struct limit {
    int resource;
    const char *name;
    rlim_t soft, hard;
};

#define LIMIT(resource, soft, hard) ((struct limit){resource, #resource, soft, hard})
enum { MAX_LIMITS = 6 };

/* Everything the child needs, prepared by the parent: after fork the child only applies it. */
struct child_plan {
    char **argv;
    char *exec_path;
    const char *workdir;
    bool
        fresh_workdir; /* made for this test: the box gives it a quota instead of the host's disk */
    char **env_edits;
    size_t n_env_edits;
    const char *user; /* NULL: keep the runner's identity */
    uid_t uid;
    gid_t gid;
    char *passwd; /* the box's /etc/passwd when the test has a user of its own, else NULL */
    struct limit limits[MAX_LIMITS];
    size_t n_limits;
    bool box;
    const struct options *o; /* --bind, --hide, --trap and --fsize for the box */
    char **trap_dirs;        /* the fresh directories the traps show, as o->traps */
    struct box_report *report;
    int output_fd; /* write end of the output pipe */
    int error_fd;  /* write end of the close-on-exec pipe that reports a failed start */
    int notes_fd;  /* the notes memfd, close-on-exec until the child keeps it */
};

/* The isolation the child achieved, in memory it shares with the runner: a test's exit cannot
   tell it. */
enum isolation { NONE, NAMESPACES, USER_NAMESPACE };
static const char *const isolation_names[] = {"none", "namespaces", "user-namespace"};

struct box_report {
    enum isolation isolation;
    int err;        /* why no namespace could be made, when NONE and --box was given */
    int status;     /* the test's wait status, from inside the box */
    bool ended;     /* status is set */
    bool disk_full; /* the test filled its work dir's quota or the box's /tmp */
};

/* What the child sends when it cannot start the test. Smaller than PIPE_BUF, so it arrives
   whole or not at all. */
struct child_error {
    int err;
    bool at_exec;
    char what[56];
};

static _Noreturn void report_child_error(const struct child_plan *p, const char *what) {
    struct child_error e = {.err = errno, .at_exec = strcmp(what, "exec") == 0};
    snprintf(e.what, sizeof e.what, "%s", what);
    (void)!write(p->error_fd, &e, sizeof e);
    _exit(127);
}

static void redirect_standard_streams(const struct child_plan *p) {
    int null = open("/dev/null", O_RDONLY);
    if (null < 0) report_child_error(p, "open /dev/null");
    if (dup2(null, STDIN_FILENO) < 0 || dup2(p->output_fd, STDOUT_FILENO) < 0 ||
        dup2(p->output_fd, STDERR_FILENO) < 0)
        report_child_error(p, "dup2");
    /* Everything else inherited closes at exec; the error pipe must stay open until then. */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) report_child_error(p, "close_range");
    if (fcntl(p->notes_fd, F_SETFD, 0) != 0) report_child_error(p, "fcntl notes");
}

/* An ignored signal stays ignored across exec (a runner started in the background ignores
   SIGINT), and the mask is inherited: give the test the defaults. */
static void restore_default_signals(void) {
    for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL); /* fails for KILL, STOP: fine */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The runner's arguments and environment, as /proc/PID/cmdline and environ show them: the box's
   PID 1 blanks them, since they name the test. */
static struct {
    char *start;
    size_t len;
} command_area;

static void find_command_area(int argc, char **argv) {
    extern char **environ;
    char *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
    for (char **e = environ; *e != NULL && *e == end; e++) end += strlen(*e) + 1;
    command_area.start = argv[0];
    command_area.len = (size_t)(end - argv[0]);
}

/* ---- the box ------------------------------------------------------------------------------- */

/* Where the child builds the box's root: a tmpfs over /tmp, in its own mount namespace. What
   it binds from under /tmp (the work dir, traps, a program) is opened before, and bound
   through /proc/self/fd. */
#define STAGE       "/tmp"
#define BOX_PROGRAM "/heaplab/test"

/* The system directories the box shows, read-only: as directories, or as the symbolic links
   a merged /usr makes of some of them. */
static const char *const system_dirs[] = {"/usr",   "/etc",   "/bin", "/lib",
                                          "/lib32", "/lib64", "/sbin"};
static const char *const devices[] = {"null", "zero", "full", "random", "urandom", "tty"};

static char *staged(const char *path) {
    return xasprintf(STAGE "%s", path);
}

static void make_dirs(const struct child_plan *p, const char *path) {
    char *copy = xasprintf("%s", path);
    for (char *slash = strchr(copy + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash) *slash = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST) report_child_error(p, "mkdir in the box");
        if (!slash) break;
        *slash = '/';
    }
    free(copy);
}

/* An empty directory or file at `path` for a mount to cover. */
static void make_mount_point(const struct child_plan *p, const char *path, bool dir) {
    char *parent = xasprintf("%s", path);
    *strrchr(parent, '/') = '\0';
    make_dirs(p, dir ? path : parent);
    free(parent);
    if (dir) return;
    int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) report_child_error(p, "mount point in the box");
    close(fd);
}

/* A bind's mount flags are its source's until remounted: the ones a user namespace may not
   clear (read-only, noexec, the access-time ones, nodev) are kept, and setuid bits are off. */
static void remount_bind(const struct child_plan *p, const char *target, bool writable) {
    struct statvfs st;
    if (statvfs(target, &st) != 0) report_child_error(p, "statvfs in the box");
    unsigned long kept =
        st.f_flag & (ST_RDONLY | ST_NOEXEC | ST_NODEV | ST_NOATIME | ST_NODIRATIME | ST_RELATIME);
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_NOSUID | kept | (writable ? 0 : MS_RDONLY);
    if (mount(NULL, target, NULL, flags, NULL) != 0) report_child_error(p, "remount in the box");
}

/* Binds `source` (a path, or /proc/self/fd/N) at `path` in the staged root. */
static void bind_in_box(const struct child_plan *p, const char *source, const char *path, bool dir,
                        bool writable) {
    char *target = staged(path);
    make_mount_point(p, target, dir);
    if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) != 0) {
        char *what = xasprintf("bind %s", path);
        report_child_error(p, what);
    }
    remount_bind(p, target, writable);
    free(target);
}

static void mount_tmpfs(const struct child_plan *p, const char *target, const char *options) {
    if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, options) != 0)
        report_child_error(p, "mount tmpfs in the box");
}

/* An O_PATH descriptor of a source, open before the stage covers /tmp. */
struct source {
    int fd;
    bool dir;
    char path[32]; /* /proc/self/fd/N */
};

static bool open_source(const char *path, struct source *s) {
    struct stat st;
    s->fd = open(path, O_PATH | O_CLOEXEC);
    if (s->fd < 0 || fstat(s->fd, &st) != 0) return false;
    s->dir = S_ISDIR(st.st_mode);
    snprintf(s->path, sizeof s->path, "/proc/self/fd/%d", s->fd);
    return true;
}

/* Namespaces of its own: as root, directly; otherwise in a user namespace mapping the
   caller's user and group to themselves. */
static enum isolation unshare_namespaces(const struct child_plan *p) {
    int flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID;
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (geteuid() == 0) return unshare(flags) == 0 ? NAMESPACES : NONE;
    if (unshare(CLONE_NEWUSER | flags) != 0) return NONE;
    char map[64];
    static const char *const files[] = {"/proc/self/setgroups", "/proc/self/uid_map",
                                        "/proc/self/gid_map"};
    for (size_t i = 0; i < 3; i++) {
        if (i == 0)
            snprintf(map, sizeof map, "deny");
        else
            snprintf(map, sizeof map, "%u %u 1", i == 1 ? uid : gid, i == 1 ? uid : gid);
        int fd = open(files[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
            report_child_error(p, files[i]);
        close(fd);
    }
    return USER_NAMESPACE;
}

static void stage_system(const struct child_plan *p) {
    for (size_t i = 0; i < sizeof system_dirs / sizeof system_dirs[0]; i++) {
        struct stat st;
        if (lstat(system_dirs[i], &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            bind_in_box(p, system_dirs[i], system_dirs[i], true, false);
        } else if (S_ISLNK(st.st_mode)) {
            char link[PATH_MAX];
            ssize_t n = readlink(system_dirs[i], link, sizeof link - 1);
            if (n < 0) report_child_error(p, "readlink");
            link[n] = '\0';
            char *at = staged(system_dirs[i]);
            if (symlink(link, at) != 0) report_child_error(p, "symlink in the box");
            free(at);
        }
    }
    make_dirs(p, STAGE "/dev");
    for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++) {
        char *host = xasprintf("/dev/%s", devices[i]), *at = staged(host);
        if (access(host, F_OK) == 0) {
            make_mount_point(p, at, false);
            if (mount(host, at, NULL, MS_BIND, NULL) != 0) report_child_error(p, host);
        }
        free(host);
        free(at);
    }
    static const char *const links[][2] = {{"/proc/self/fd", "fd"},
                                           {"/proc/self/fd/0", "stdin"},
                                           {"/proc/self/fd/1", "stdout"},
                                           {"/proc/self/fd/2", "stderr"}};
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        char *at = xasprintf(STAGE "/dev/%s", links[i][1]);
        if (symlink(links[i][0], at) != 0) report_child_error(p, "symlink in the box");
        free(at);
    }
    make_dirs(p, STAGE "/dev/shm");
    mount_tmpfs(p, STAGE "/dev/shm", "mode=1777,size=64m");
    make_dirs(p, STAGE "/proc");
    /* The box's own proc is mounted from inside its PID namespace (box_init). A user namespace
       may mount one only where the host's is fully visible: the host's is under it, for where
       it may not. */
    if (geteuid() != 0 && mount("/proc", STAGE "/proc", NULL, MS_BIND | MS_REC, NULL) != 0)
        report_child_error(p, "mount /proc in the box");
    char *tmp_options = xasprintf("mode=1777,size=%llum", p->o->fsize_mb ? p->o->fsize_mb : 1);
    make_dirs(p, STAGE "/tmp");
    mount_tmpfs(p, STAGE "/tmp", tmp_options);
    free(tmp_options);
}

/* The test's user in the box's /etc/passwd: a file written on a tmpfs of its own, bound over the
   host's, and the tmpfs detached, so that only the bind shows it. (Unlinked from the root's
   tmpfs instead, it would keep that from being made read-only.) */
static void stage_passwd(const struct child_plan *p) {
    static const char dir[] = STAGE "/passwd", written[] = STAGE "/passwd/passwd";
    size_t len = strlen(p->passwd);
    char *options = xasprintf("mode=0755,size=%zuk", len / 1024 + 4);
    make_dirs(p, dir);
    mount_tmpfs(p, dir, options);
    free(options);
    int fd = open(written, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, p->passwd, len) != (ssize_t)len || close(fd) != 0)
        report_child_error(p, "passwd in the box");
    bind_in_box(p, written, "/etc/passwd", false, false);
    if (umount2(dir, MNT_DETACH) != 0 || rmdir(dir) != 0)
        report_child_error(p, "passwd in the box");
}

/* The box's first process (PID 1 of its PID namespace): mounts the namespace's proc, starts
   the test, and when the test ends hands its wait status to the runner's child through the
   shared report, and exits, which kills whatever the test left in the namespace. It is not
   the test itself because PID 1 ignores the signals it has no handler for, abort()'s too.
   Returns in the test's process. */
/* Whether a tmpfs the test could write has no room left. */
static bool full(const char *path) {
    struct statvfs st;
    return statvfs(path, &st) == 0 && st.f_bavail == 0;
}

static void box_init(const struct child_plan *p) {
    restore_default_signals();
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0 &&
        p->report->isolation == NAMESPACES)
        report_child_error(p, "mount /proc in the box");
    int blanked[2];
    if (pipe2(blanked, O_CLOEXEC) != 0) report_child_error(p, "pipe2 in the box");
    pid_t test = fork();
    if (test < 0) report_child_error(p, "fork in the box");
    if (test == 0) {
        /* The test starts once PID 1's command line, the runner's, no longer names it. */
        char byte;
        close(blanked[1]);
        while (read(blanked[0], &byte, 1) < 0 && errno == EINTR) continue;
        close(blanked[0]);
        return;
    }
    memset(command_area.start, 0, command_area.len);
    /* Without the pipes' ends, the runner sees the test's output and start alone. */
    close_range(0, ~0U, 0);
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid == test) {
            p->report->disk_full = full(p->workdir) || full("/tmp");
            p->report->status = status;
            p->report->ended = true;
            _exit(0);
        }
        if (pid < 0 && errno != EINTR) _exit(127);
    }
}

/* The runner's child, outside the PID namespace: waits for the box and ends as its test
   ended, so that the runner sees the test's exit status or signal. */
static _Noreturn void relay_test(const struct child_plan *p, pid_t init) {
    /* Blank, it is no command the test was running when it timed out (record_running). */
    memset(command_area.start, 0, command_area.len);
    close_range(0, ~0U, 0);
    while (waitpid(init, NULL, 0) < 0 && errno == EINTR) continue;
    if (!p->report->ended) _exit(127);
    int status = p->report->status;
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
    restore_default_signals();
    raise(WTERMSIG(status));
    _exit(128 + WTERMSIG(status));
}

/* Builds the box and enters it; false, with the reason in p->report, when no namespace could
   be made. Anything failing once they are made is an internal error: a box half made must
   never pass for one. */
static bool enter_box(const struct child_plan *p) {
    const struct options *o = p->o;
    bool program_bound = strchr(p->exec_path, '/') != NULL;
    struct source work, program, *binds = calloc(o->n_binds + o->n_traps + 1, sizeof *binds);
    bool *hidden = calloc(o->n_hides + 1, sizeof *hidden);
    if (binds == NULL || hidden == NULL) report_child_error(p, "calloc");

    p->report->isolation = unshare_namespaces(p);
    if (p->report->isolation == NONE) {
        p->report->err = errno;
        return false;
    }
    if (sethostname("heaplab", 7) != 0) report_child_error(p, "sethostname");
    /* Nothing mounted here may propagate back to the host's namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) report_child_error(p, "mount /");
    /* Opened in the new namespace: a bind's source must be one of its mounts. */
    /* A program that cannot be opened cannot be run either: that is the test's result. */
    if (program_bound && !open_source(p->exec_path, &program)) report_child_error(p, "exec");
    if (!open_source(p->workdir, &work)) report_child_error(p, "open work dir");
    for (size_t i = 0; i < o->n_binds; i++)
        if (!open_source(strchr(o->binds[i], '=') + 1, &binds[i]))
            report_child_error(p, "--bind source");
    for (size_t i = 0; i < o->n_traps; i++)
        if (!open_source(p->trap_dirs[i], &binds[o->n_binds + i])) report_child_error(p, "trap");
    mount_tmpfs(p, STAGE, "mode=0755,size=1m");
    stage_system(p);
    if (p->passwd != NULL) stage_passwd(p);
    for (size_t i = 0; i < o->n_hides; i++) {
        char *at = staged(o->hides[i]);
        struct stat st;
        hidden[i] = stat(at, &st) == 0 && S_ISDIR(st.st_mode);
        if (hidden[i]) mount_tmpfs(p, at, "mode=0755,size=1m");
        free(at);
    }
    /* A fresh work dir, thrown away after the test, is a tmpfs of the file-size limit: a test
       that writes without end fills its quota, not the host's disk. */
    if (p->fresh_workdir) {
        char *at = staged(p->workdir),
             *options = xasprintf("mode=0700,uid=%d,gid=%d,size=%llum", (int)p->uid, (int)p->gid,
                                  p->o->fsize_mb ? (unsigned long long)p->o->fsize_mb : 1ULL);
        make_dirs(p, at);
        mount_tmpfs(p, at, options);
        free(options);
        free(at);
    } else {
        bind_in_box(p, work.path, p->workdir, true, true);
    }
    if (program_bound) bind_in_box(p, program.path, BOX_PROGRAM, false, false);
    for (size_t i = 0; i < o->n_binds; i++) {
        char *path = xasprintf("%.*s", (int)(strchr(o->binds[i], '=') - o->binds[i]), o->binds[i]);
        bind_in_box(p, binds[i].path, path, binds[i].dir, o->writable[i]);
        free(path);
    }
    for (size_t i = 0; i < o->n_traps; i++)
        bind_in_box(p, binds[o->n_binds + i].path, o->traps[i], true, true);
    /* The hides stay writable until the paths under them are made. */
    for (size_t i = 0; i < o->n_hides; i++) {
        char *at = staged(o->hides[i]);
        if (hidden[i] &&
            mount(NULL, at, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
            report_child_error(p, "remount a hide");
        free(at);
    }

    if (chdir(STAGE) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 ||
        umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
        report_child_error(p, "pivot_root");
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
        report_child_error(p, "remount / read-only");
    pid_t init = fork();
    if (init < 0) report_child_error(p, "fork the box");
    if (init > 0) relay_test(p, init);
    box_init(p);
    if (program_bound) p->argv[0] = BOX_PROGRAM;
    for (size_t i = 0; i < o->n_binds + o->n_traps; i++) close(binds[i].fd);
    if (program_bound) close(program.fd);
    close(work.fd);
    free(binds);
    free(hidden);
    return true;
}

/* Unboxed, a --bind's PATH does not exist: an environment value naming it names its SOURCE,
   and so does each element of a colon-separated list (LD_PRELOAD=tracker.so:alloc.so). */
static const char *unboxed_path(const struct child_plan *p, const char *path, size_t len) {
    for (size_t i = 0; i < p->o->n_binds; i++) {
        const char *bind = p->o->binds[i], *eq = strchr(bind, '=');
        if (len == (size_t)(eq - bind) && strncmp(path, bind, len) == 0) return eq + 1;
    }
    return NULL;
}

static char *unboxed_value(const struct child_plan *p, char *edit) {
    char *out;
    size_t size;
    FILE *f = open_memstream(&out, &size);
    if (f == NULL) die("open_memstream");
    const char *at = strchr(edit, '=') + 1;
    fwrite(edit, 1, (size_t)(at - edit), f);
    for (;; at++) {
        size_t len = strcspn(at, ":");
        const char *source = unboxed_path(p, at, len);
        if (source != NULL)
            fputs(source, f);
        else
            fwrite(at, 1, len, f);
        at += len;
        if (*at == '\0') break;
        fputc(':', f);
    }
    if (fclose(f) != 0) die("open_memstream");
    return out;
}

static void edit_environment(const struct child_plan *p, bool boxed) {
    char notes[16];
    snprintf(notes, sizeof notes, "%d", p->notes_fd);
    if (setenv("HOME", p->workdir, 1) != 0 || setenv("TMPDIR", p->workdir, 1) != 0 ||
        setenv("HEAPLAB_NOTES_FD", notes, 1) != 0)
        report_child_error(p, "setenv");
    for (size_t i = 0; i < p->n_env_edits; i++) {
        char *edit = p->env_edits[i];
        if (strchr(edit, '=') && !boxed) edit = unboxed_value(p, edit);
        if ((strchr(edit, '=') ? putenv(edit) : unsetenv(edit)) != 0)
            report_child_error(p, "edit environment");
    }
}

static void drop_privileges(const struct child_plan *p) {
    if (p->user == NULL) return;
    if (setgroups(0, NULL) != 0) report_child_error(p, "setgroups");
    if (setgid(p->gid) != 0) report_child_error(p, "setgid");
    if (setuid(p->uid) != 0) report_child_error(p, "setuid");
}

/* Last before exec: a low address-space limit could otherwise starve the steps that allocate
   (the environment, initgroups). */
static void set_limits(const struct child_plan *p) {
    for (size_t i = 0; i < p->n_limits; i++) {
        const struct limit *l = &p->limits[i];
        if (setrlimit(l->resource, &(struct rlimit){l->soft, l->hard}) != 0)
            report_child_error(p, l->name);
    }
}

static _Noreturn void run_child(const struct child_plan *p) {
    if (setpgid(0, 0) != 0) report_child_error(p, "setpgid");
    redirect_standard_streams(p);
    bool boxed = p->box && enter_box(p);
    edit_environment(p, boxed);
    drop_privileges(p);
    /* After dropping privileges: the test's user must be able to enter its work dir. */
    if (chdir(p->workdir) != 0) report_child_error(p, "chdir");
    set_limits(p);
    restore_default_signals();
    execvp(boxed && strchr(p->exec_path, '/') ? BOX_PROGRAM : p->exec_path, p->argv);
    report_child_error(p, "exec");
}

/* ---- planning ------------------------------------------------------------------------------ */

static rlim_t whole_seconds_up(double seconds) {
    rlim_t whole = (rlim_t)seconds;
    return (double)whole < seconds ? whole + 1 : whole;
}

/* RLIMIT_CPU's soft limit, a second above the wall-clock limit (rounded up); the hard limit,
   where the kernel sends SIGKILL instead of SIGXCPU, is one more. */
static rlim_t cpu_limit_of(const struct options *o) {
    return whole_seconds_up(o->timeout) + 1;
}

/* The process limit the test runs under: the tasks its user had, and --nproc more. */
static rlim_t nproc_limit(const struct child_plan *p) {
    for (size_t i = 0; i < p->n_limits; i++)
        if (p->limits[i].resource == RLIMIT_NPROC) return p->limits[i].hard;
    return RLIM_INFINITY;
}

static size_t plan_limits(const struct options *o, uid_t uid, struct limit *l) {
    size_t n = 0;
    rlim_t cpu = cpu_limit_of(o);
    rlim_t nproc = count_tasks_of(uid) + o->nproc;
    l[n++] = LIMIT(RLIMIT_CORE, 0, 0);
    l[n++] = LIMIT(RLIMIT_CPU, cpu, cpu + 1);
    if (o->memory_mb != 0) l[n++] = LIMIT(RLIMIT_AS, o->memory_mb * MIB, o->memory_mb * MIB);
    l[n++] = LIMIT(RLIMIT_FSIZE, o->fsize_mb * MIB, o->fsize_mb * MIB);
    l[n++] = LIMIT(RLIMIT_NOFILE, o->nofile, o->nofile);
    l[n++] = LIMIT(RLIMIT_NPROC, nproc, nproc);
    return n;
}

/* The test runs in its work dir, so a relative PROGRAM path is resolved against the runner's
   directory before the child leaves it. A name without '/' is searched in PATH as usual. */
static char *exec_path_of(const char *program) {
    if (program[0] == '/' || strchr(program, '/') == NULL) return xasprintf("%s", program);
    char *cwd = getcwd(NULL, 0);
    if (cwd == NULL) die("getcwd");
    char *path = xasprintf("%s/%s", cwd, program);
    free(cwd);
    return path;
}

/* Who the test runs as: with --user, when the runner is root, a user of its own (see "The
   test's user" at the top). */
static void plan_identity(const struct options *o, struct child_plan *p) {
    p->uid = getuid();
    p->gid = getgid();
    if (o->user == NULL || geteuid() != 0) return;
    struct passwd *pw = getpwnam(o->user);
    if (pw == NULL) usage_error("--user: no such user: '%s'", o->user);
    p->user = o->user;
    p->uid = TEST_UID_BASE + (uid_t)getpid();
    p->gid = pw->pw_gid;
}

/* The host's /etc/passwd with the test's user in place of its NAME's entry, its home the work
   dir, as HOME is. */
static char *passwd_of_box(const struct child_plan *p) {
    char *text;
    size_t len, size = 0, name_len = strlen(p->user);
    FILE *out = open_memstream(&text, &len), *in = fopen("/etc/passwd", "r");
    if (out == NULL) die("open_memstream");
    char *line = NULL;
    ssize_t n;
    while (in != NULL && (n = getline(&line, &size, in)) > 0)
        if (strncmp(line, p->user, name_len) != 0 || line[name_len] != ':')
            fprintf(out, "%s%s", line, line[n - 1] == '\n' ? "" : "\n");
    fprintf(out, "%s:x:%u:%u:heaplab test:%s:/usr/sbin/nologin\n", p->user, (unsigned)p->uid,
            (unsigned)p->gid, p->workdir);
    free(line);
    if (in != NULL) fclose(in);
    if (fclose(out) != 0) die("open_memstream");
    return text;
}

/* ---- capture ------------------------------------------------------------------------------- */

/* The output is kept whole up to --max-output bytes. Past that, the first half of the limit is
   kept and the last sixteenth, through a ring of the latest bytes, so a report can show both how
   the output began and how it ended; the middle is replaced by a line that says how much was
   cut. The runner reads on past the limit, so that a test that only prints too much still shows
   its last lines, until FLOOD_FACTOR times the limit: there a flood is stopped. */
enum { FLOOD_FACTOR = 8 };

struct capture {
    unsigned char *data;
    size_t len, size;         /* bytes kept, bytes allocated */
    size_t limit;             /* --max-output */
    unsigned long long total; /* bytes read, kept or not */
    bool over;                /* the test wrote more than limit */
    unsigned char *ring;      /* the last ring_size bytes read, the latest at total % ring_size */
    size_t ring_size;
};

static void keep_output(struct capture *c, const unsigned char *bytes, size_t n) {
    size_t room = c->limit - c->len;
    size_t kept = n < room ? n : room;
    if (c->len + kept > c->size) {
        size_t size = c->size ? c->size : 4096;
        while (size < c->len + kept) size *= 2;
        if (size > c->limit) size = c->limit;
        unsigned char *data = realloc(c->data, size);
        if (data == NULL) die("realloc");
        c->data = data;
        c->size = size;
    }
    memcpy(c->data + c->len, bytes, kept);
    c->len += kept;
    if (n > room) c->over = true;
    for (size_t i = n > c->ring_size ? n - c->ring_size : 0; c->ring_size && i < n; i++)
        c->ring[(c->total + i) % c->ring_size] = bytes[i];
    c->total += n;
}

static bool flooded(const struct capture *c) {
    return c->total > (unsigned long long)c->limit * FLOOD_FACTOR;
}

/* An output over the limit becomes its head, the cut line and its tail, each of whole lines
   where the lines allow it. */
static void cut_output(struct capture *c) {
    size_t head = c->limit / 2;
    unsigned char *nl = head ? memrchr(c->data, '\n', head) : NULL;
    if (nl != NULL) head = (size_t)(nl - c->data) + 1;
    size_t tail = c->ring_size, skip = 0;
    unsigned char *last = malloc(tail ? tail : 1);
    if (last == NULL) die("malloc");
    for (size_t i = 0; i < tail; i++) last[i] = c->ring[(c->total + i) % tail];
    nl = tail ? memchr(last, '\n', tail) : NULL;
    if (nl != NULL && nl + 1 < last + tail) skip = (size_t)(nl - last) + 1;
    char *cut =
        xasprintf("%s[... %llu bytes cut ...]\n", head > 0 && c->data[head - 1] != '\n' ? "\n" : "",
                  c->total - head - (tail - skip));
    size_t cut_len = strlen(cut);
    unsigned char *data = realloc(c->data, head + cut_len + tail - skip);
    if (data == NULL) die("realloc");
    memcpy(data + head, cut, cut_len);
    memcpy(data + head + cut_len, last + skip, tail - skip);
    c->data = data;
    c->len = head + cut_len + tail - skip;
    free(cut);
    free(last);
}

/* Reads what the pipe holds (it has something: poll said so, or every writer is dead); false
   at end of file. */
static bool read_output(int fd, struct capture *c) {
    unsigned char buf[65536];
    ssize_t n;
    do n = read(fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n < 0) die("read output");
    if (n == 0) return false;
    keep_output(c, buf, (size_t)n);
    return true;
}

/* ---- running ------------------------------------------------------------------------------- */

enum status { EXITED, SIGNALED, TIMEOUT, OUTPUT_LIMIT, EXEC_FAILED, PROCESS_LIMIT };
static const char *const status_names[] = {"exited",       "signaled",    "timeout",
                                           "output-limit", "exec-failed", "process-limit"};

enum { MAX_RUNNING = 16, MAX_NOTES = 256 * 1024 };

struct result {
    enum status status;
    int exit_code; /* when EXITED */
    int signal;    /* when SIGNALED */
    double wall_time;
    struct rusage usage;
    struct capture output;
    char *notes; /* what the test wrote to its notes descriptor */
    size_t notes_len;
    char *running[MAX_RUNNING]; /* on a timeout, the command lines still running */
    size_t n_running;
    bool killed; /* the runner killed the test before its leader ended (deadline, flood) */
    enum isolation isolation;
    int isolation_err;          /* why there is no box, when --box was given */
    char *trapped[MAX_RUNNING]; /* what the test left in the traps */
    size_t n_trapped;
    bool disk_full; /* the box's quota for the test's files ran out */
    char *message;  /* NULL, or the runner's one-line explanation */
};

/* Why the runner stopped watching the test. */
enum ending { LEADER_EXITED, DEADLINE, OUTPUT_EXCEEDED, PROCESSES_EXCEEDED, STOPPED };

/* How often the runner counts a test's processes: a fork bomb held at its process limit still
   spins in every process it has, and would starve the tests that run beside it. The count is
   taken when an interval passes quietly, never at the start, so that a program that meets the
   limit and copes at once (its fork fails, it exits) keeps its own result. */
#define PROCESS_CHECK_INTERVAL 0.1

/* Whether the leader has exited, without reaping it: its pid, which is also the process
   group's id, stays reserved until the group is killed. Other children that exited (orphans
   handed to the subreaper) are reaped on the way, so they do not pile up as zombies that count
   against the test's process limit. */
static bool leader_exited(pid_t leader) {
    for (;;) {
        siginfo_t si;
        si.si_pid = 0;
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0) die("waitid");
        if (si.si_pid == 0) return false;
        if (si.si_pid == leader) return true;
        if (reap(si.si_pid, NULL, NULL) < 0) die("wait4");
    }
}

static struct timespec timespec_of(double seconds) {
    struct timespec t = {.tv_sec = (time_t)seconds};
    t.tv_nsec = (long)((seconds - (double)t.tv_sec) * 1e9);
    return t;
}

/* Captures output until the leader exits, the deadline passes, the output exceeds its cap, the
   test's own user (`own_uid`, when the test has one: 0 otherwise) reaches its process limit, or
   the runner is told to stop, whichever comes first. */
static enum ending watch_test(pid_t leader, int output_fd, double deadline, struct capture *c,
                              uid_t own_uid, rlim_t nproc) {
    struct pollfd output = {.fd = output_fd, .events = POLLIN};
    bool ticked = false; /* a check interval passed with nothing to read */
    for (;;) {
        if (stop_signal) return STOPPED;
        if (leader_exited(leader)) return LEADER_EXITED;
        if (ticked && own_uid != 0 && count_tasks_of(own_uid) >= nproc) return PROCESSES_EXCEEDED;
        double left = deadline - now();
        if (left <= 0) return DEADLINE;
        struct timespec timeout = timespec_of(
            own_uid != 0 && left > PROCESS_CHECK_INTERVAL ? PROCESS_CHECK_INTERVAL : left);
        int ready = ppoll(&output, 1, &timeout, &wait_mask);
        if (ready < 0 && errno != EINTR) die("ppoll");
        ticked = ready == 0;
        if (ready <= 0) continue;
        /* At end of file poll() ignores the negative fd; the leader may still be running. */
        if (!read_output(output.fd, c)) output.fd = -1;
        if (flooded(c)) return OUTPUT_EXCEEDED;
    }
}

/* Seconds as the user wrote them, but always with a decimal point: "2.0", "0.5". */
static char *format_seconds(double seconds) {
    char *s = xasprintf("%.10g", seconds);
    if (strpbrk(s, ".e") == NULL) {
        char *with_point = xasprintf("%s.0", s);
        free(s);
        s = with_point;
    }
    return s;
}

/* The status, in order of precedence: the runner's own kills first, then how the leader
   ended. Verdicts are the grader's (grader/verdict.py), from these facts. */
static void decide(struct result *r, enum ending ending, int wait_status, const struct options *o) {
    r->killed = ending == DEADLINE || ending == OUTPUT_EXCEEDED || ending == PROCESSES_EXCEEDED;
    if (ending == PROCESSES_EXCEEDED) {
        r->status = PROCESS_LIMIT;
        r->message = xasprintf("reached its process limit (%llu processes and threads); process "
                               "group killed",
                               o->nproc);
    } else if (ending == DEADLINE) {
        char *seconds = format_seconds(o->timeout);
        r->status = TIMEOUT;
        r->message = xasprintf("timed out after %s s (wall clock); process group killed", seconds);
        free(seconds);
    } else if (r->output.over) {
        r->status = OUTPUT_LIMIT;
        r->message =
            xasprintf("output exceeded %zu bytes (%llu written)%s", r->output.limit,
                      r->output.total, ending == OUTPUT_EXCEEDED ? "; process group killed" : "");
    } else if (WIFEXITED(wait_status)) {
        r->status = EXITED;
        r->exit_code = WEXITSTATUS(wait_status);
    } else {
        r->status = SIGNALED;
        r->signal = WTERMSIG(wait_status);
    }
}

/* The child could not start the test: PROGRAM cannot be run (a result), or setting up failed
   (an internal error). */
static void record_failed_start(struct result *r, const struct child_error *e,
                                const char *program) {
    if (!e->at_exec) {
        errno = e->err;
        die(e->what);
    }
    r->status = EXEC_FAILED;
    r->message = xasprintf("cannot run %s: %s", program, strerror(e->err));
}

/* Blocks until the child has exec'd (the pipe closes) or reports why it could not. */
static bool child_failed_to_start(int error_fd, struct child_error *e) {
    ssize_t n;
    do n = read(error_fd, e, sizeof *e);
    while (n < 0 && errno == EINTR);
    if (n < 0) die("read from child");
    return n > 0;
}

/* Kills what is left of the test, reaps the leader for its status and usage, then reads the
   output that is still in the pipe: only now can no process hold its write end. */
static int finish_test(pid_t leader, int output_fd, struct result *r, double start) {
    kill(-leader, SIGKILL);
    kill(leader, SIGKILL); /* in case it moved itself to another group */
    live.group = 0;
    int wait_status;
    if (reap(leader, &wait_status, &r->usage) < 0) die("wait4");
    r->wall_time = now() - start;
    kill_remaining_children();
    while (read_output(output_fd, &r->output)) continue;
    return wait_status;
}

/* On a timeout, before the kill: what is still running, its process group first, then what
   left it (the runner's children outside the group). */
static void record_running(pid_t leader, struct result *r) {
    DIR *proc = opendir("/proc");
    if (proc == NULL) die("/proc");
    pid_t self = getpid(), pid, parent, group;
    for (int pass = 0; pass < 2; pass++) {
        rewinddir(proc);
        while ((pid = next_process(proc)) > 0 && r->n_running < MAX_RUNNING) {
            if (!family_of(pid, &parent, &group)) continue;
            bool wanted = pass == 0 ? group == leader : group != leader && parent == self;
            char *command = wanted ? command_line_of(pid) : NULL;
            if (command != NULL) r->running[r->n_running++] = command;
        }
    }
    closedir(proc);
}

/* What the test wrote to its notes memfd, up to MAX_NOTES bytes. */
static void record_notes(int notes_fd, struct result *r) {
    r->notes = malloc(MAX_NOTES);
    if (r->notes == NULL) die("malloc");
    ssize_t n;
    do n = pread(notes_fd, r->notes, MAX_NOTES, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) die("read notes");
    r->notes_len = (size_t)n;
}

/* What the test left in a trap: the paths of its files and directories, as the test saw them. */
static struct {
    struct result *r;
    const char *dir, *trap;
} walk;

static int note_trapped(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)type;
    if (ftw->level == 0) return 0;
    if (walk.r->n_trapped == MAX_RUNNING) return 1;
    walk.r->trapped[walk.r->n_trapped++] = xasprintf("%s%s", walk.trap, path + strlen(walk.dir));
    return 0;
}

static void record_trapped(const struct options *o, const struct child_plan *plan,
                           struct result *r) {
    walk.r = r;
    for (size_t i = 0; i < o->n_traps; i++) {
        walk.dir = plan->trap_dirs[i];
        walk.trap = o->traps[i];
        if (nftw(walk.dir, note_trapped, 16, FTW_PHYS) == 1) break;
    }
}

static void run_test(const struct options *o, struct child_plan *plan, struct result *r) {
    int output[2], error[2];
    if (pipe2(output, O_CLOEXEC) != 0 || pipe2(error, O_CLOEXEC) != 0) die("pipe2");
    int notes = memfd_create("heaplab-notes", MFD_CLOEXEC);
    if (notes < 0) die("memfd_create");
    plan->output_fd = output[1];
    plan->error_fd = error[1];
    plan->notes_fd = notes;

    double start = now();
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) run_child(plan);
    /* Also done here, so the group exists whichever of the two runs first; failing only
       means the child got there first. */
    setpgid(pid, pid);
    live.group = pid;
    close(output[1]);
    close(error[1]);

    struct child_error e;
    bool failed = child_failed_to_start(error[0], &e);
    close(error[0]);
    enum ending ending = failed ? LEADER_EXITED
                                : watch_test(pid, output[0], start + o->timeout, &r->output,
                                             plan->user ? plan->uid : 0, nproc_limit(plan));
    if (ending == STOPPED) {
        clean_up_test();
        exit(EXIT_ON_SIGNAL + stop_signal);
    }
    if (ending == DEADLINE) record_running(pid, r);
    int wait_status = finish_test(pid, output[0], r, start);
    close(output[0]);
    record_notes(notes, r);
    close(notes);
    r->isolation = plan->report->isolation;
    r->disk_full = plan->report->disk_full;
    r->isolation_err = o->box && r->isolation == NONE ? plan->report->err : 0;
    record_trapped(o, plan, r);
    if (failed)
        record_failed_start(r, &e, o->argv[0]);
    else
        decide(r, ending, wait_status, o);
    if (r->output.over) cut_output(&r->output);
}

/* ---- the result ---------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms, no surrogates, nothing
   above U+10FFFF), or 0 when there is none. */
static size_t utf8_sequence_length(const unsigned char *s, size_t n) {
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2;
    else if (s[0] == 0xE0)
        len = 3, lo = 0xA0;
    else if (s[0] == 0xED)
        len = 3, hi = 0x9F;
    else if (s[0] >= 0xE1 && s[0] <= 0xEF)
        len = 3;
    else if (s[0] == 0xF0)
        len = 4, lo = 0x90;
    else if (s[0] == 0xF4)
        len = 4, hi = 0x8F;
    else if (s[0] >= 0xF1 && s[0] <= 0xF3)
        len = 4;
    else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return len;
}

/* Any bytes as a JSON string: valid UTF-8 passes through, each invalid byte becomes U+FFFD. */
static void json_string(FILE *f, const void *bytes, size_t n) {
    const unsigned char *s = bytes;
    putc('"', f);
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t len = utf8_sequence_length(s + i, n - i);
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c == '\r')
            fputs("\\r", f);
        else if (c < 0x20 || c == 0x7F)
            fprintf(f, "\\u%04x", c);
        else if (len == 0)
            fputs("\\ufffd", f);
        else
            fwrite(s + i, 1, len, f);
        i += len ? len : 1;
    }
    putc('"', f);
}

static void json_text_or_null(FILE *f, const char *s) {
    if (s == NULL)
        fputs("null", f);
    else
        json_string(f, s, strlen(s));
}

/* Each line of text as a JSON string, separated by commas; a last line without its newline
   counts too. */
static void json_lines(FILE *f, const char *text, size_t n) {
    for (size_t start = 0; start < n;) {
        const char *nl = memchr(text + start, '\n', n - start);
        size_t len = nl ? (size_t)(nl - (text + start)) : n - start;
        if (start > 0) fputs(", ", f);
        json_string(f, text + start, len);
        start += len + 1;
    }
}

/* "SIGSEGV"; real-time signals have no abbreviation and are named from SIGRTMIN. */
static char *signal_name(int sig) {
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev != NULL) return xasprintf("SIG%s", abbrev);
    if (sig >= SIGRTMIN) return xasprintf("SIGRTMIN+%d", sig - SIGRTMIN);
    return xasprintf("SIG%d", sig);
}

static double seconds_of(struct timeval t) {
    return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

static void print_result(FILE *f, const struct options *o, const struct result *r) {
    fputs("{\"name\": ", f);
    json_text_or_null(f, o->name);
    fputs(", \"argv\": [", f);
    for (char **arg = o->argv; *arg != NULL; arg++) {
        if (arg != o->argv) fputs(", ", f);
        json_text_or_null(f, *arg);
    }
    fprintf(f, "], \"isolation\": \"%s\", \"isolation_error\": ", isolation_names[r->isolation]);
    char *why = r->isolation_err ? xasprintf("unshare: %s", strerror(r->isolation_err)) : NULL;
    json_text_or_null(f, why);
    free(why);
    fputs(", \"trapped\": [", f);
    for (size_t i = 0; i < r->n_trapped; i++) {
        if (i > 0) fputs(", ", f);
        json_text_or_null(f, r->trapped[i]);
    }
    fprintf(f, "], \"disk_full\": %s", r->disk_full ? "true" : "false");
    fprintf(f, ", \"status\": \"%s\", \"exit_code\": ", status_names[r->status]);
    if (r->status == EXITED)
        fprintf(f, "%d", r->exit_code);
    else
        fputs("null", f);
    char *name = r->status == SIGNALED ? signal_name(r->signal) : NULL;
    fputs(", \"signal\": ", f);
    json_text_or_null(f, name);
    fputs(", \"signal_description\": ", f);
    json_text_or_null(f, r->status == SIGNALED ? strsignal(r->signal) : NULL);
    free(name);
    unsigned long long cpu_limit = cpu_limit_of(o);
    fprintf(f,
            ", \"wall_time\": %.4f, \"cpu_time\": %.4f, \"cpu_limit\": [%llu, %llu], "
            "\"max_rss_kb\": %ld, \"output\": ",
            r->wall_time, seconds_of(r->usage.ru_utime) + seconds_of(r->usage.ru_stime), cpu_limit,
            cpu_limit + 1, r->usage.ru_maxrss);
    json_string(f, r->output.data, r->output.len);
    fprintf(f, ", \"output_bytes\": %llu, \"output_truncated\": %s, \"notes\": [", r->output.total,
            r->output.over ? "true" : "false");
    json_lines(f, r->notes, r->notes_len);
    fputs("], \"still_running\": [", f);
    for (size_t i = 0; i < r->n_running; i++) {
        if (i > 0) fputs(", ", f);
        json_text_or_null(f, r->running[i]);
    }
    fprintf(f, "], \"killed\": %s, \"message\": ", r->killed ? "true" : "false");
    json_text_or_null(f, r->message);
    fputs("}\n", f);
}

static void write_result(const struct options *o, const struct result *r) {
    if (o->out == NULL) {
        print_result(stdout, o, r);
        if (fflush(stdout) != 0 || ferror(stdout)) die("standard output");
        return;
    }
    char *tmp = xasprintf("%s.tmp", o->out);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) die(tmp);
    print_result(f, o, r);
    bool written = !ferror(f);
    if (fclose(f) != 0 || !written) {
        int err = errno;
        unlink(tmp);
        errno = err;
        die(tmp);
    }
    if (rename(tmp, o->out) != 0) die(o->out);
    free(tmp);
}

int main(int argc, char **argv) {
    find_command_area(argc, argv);
    struct options o = parse_options(argc, argv);
    struct child_plan plan = {
        .argv = o.argv, .env_edits = o.env_edits, .n_env_edits = o.n_env_edits};
    plan_identity(&o, &plan);
    catch_signals();
    /* Descendants that leave the process group still end up as the runner's children. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) die("prctl(PR_SET_CHILD_SUBREAPER)");
    bool give = plan.user != NULL;
    plan.workdir = o.workdir ? o.workdir : make_fresh_dir(plan.uid, plan.gid, give);
    plan.fresh_workdir = o.workdir == NULL;
    plan.box = o.box;
    plan.o = &o;
    plan.trap_dirs = calloc(o.n_traps + 1, sizeof(char *));
    if (plan.trap_dirs == NULL) die("calloc");
    for (size_t i = 0; i < o.n_traps; i++)
        plan.trap_dirs[i] = make_fresh_dir(plan.uid, plan.gid, give);
    plan.report =
        mmap(NULL, sizeof *plan.report, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (plan.report == MAP_FAILED) die("mmap");
    plan.exec_path = exec_path_of(o.argv[0]);
    if (plan.user != NULL && o.box) plan.passwd = passwd_of_box(&plan);
    plan.n_limits = plan_limits(&o, plan.uid, plan.limits);

    struct result r = {.output = {.limit = o.max_output, .ring_size = o.max_output / 16}};
    r.output.ring = malloc(r.output.ring_size ? r.output.ring_size : 1);
    if (r.output.ring == NULL) die("malloc");
    run_test(&o, &plan, &r);
    clean_up_test();
    write_result(&o, &r);

    free(r.output.data);
    free(r.output.ring);
    free(r.notes);
    for (size_t i = 0; i < r.n_running; i++) free(r.running[i]);
    free(r.message);
    for (size_t i = 0; i < r.n_trapped; i++) free(r.trapped[i]);
    munmap(plan.report, sizeof *plan.report);
    free(plan.trap_dirs);
    free(plan.exec_path);
    free(plan.passwd);
    free(o.workdir);
    free(o.env_edits);
    free(o.binds);
    free(o.writable);
    free(o.hides);
    free(o.traps);
    return 0;
}
