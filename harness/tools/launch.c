/* launch.c - running a program under the tracker (see launch.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* build/ from the tool's own path, build/bin/TOOL. */
static const char *build_dir(void) {
    /* Short enough that a file name under it fits in PATH_MAX. */
    static char dir[PATH_MAX - 64];
    if (!dir[0]) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        self[n > 0 ? n : 0] = 0;
        snprintf(dir, sizeof dir, "%s", dirname(dirname(self)));
    }
    return dir;
}

int launch_parse(int argc, char **argv, const char *usage, const struct option *flags,
                 int takes_output, launch_options *o) {
    struct option options[8] = {{"alloc", required_argument, NULL, 'a'},
                                {"help", no_argument, NULL, 'h'}};
    for (size_t i = 2; flags->name && i < sizeof options / sizeof *options - 1; i++)
        options[i] = *flags++;
    *o = (launch_options){0};
    int opt;
    while ((opt = getopt_long(argc, argv, takes_output ? "+o:" : "+", options, NULL)) != -1) {
        if (opt == 0) continue; /* one of the tool's flags, set through its pointer */
        if (opt == 'a') {
            o->alloc = optarg;
        } else if (opt == 'o') {
            o->output = optarg;
        } else {
            fputs(usage, opt == 'h' ? stdout : stderr);
            return opt == 'h' ? 0 : 2;
        }
    }
    if (optind >= argc) {
        fputs(usage, stderr);
        return 2;
    }
    o->prog = optind;
    return -1;
}

static int executable_file(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, X_OK) == 0;
}

int launch_resolve(const char *tool, const char *prog, char *out, size_t cap) {
    struct stat sb;
    if (strchr(prog, '/')) {
        if (stat(prog, &sb) != 0) {
            fprintf(stderr, "%s: %s: no such file\n", tool, prog);
            return 127;
        }
        if (!S_ISREG(sb.st_mode) || access(prog, X_OK) != 0) {
            fprintf(stderr, "%s: %s: not an executable file\n", tool, prog);
            return 126;
        }
        snprintf(out, cap, "%s", prog);
        return 0;
    }
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        size_t len = strcspn(p, ":");
        snprintf(out, cap, "%.*s/%s", (int)len, len ? p : ".", prog);
        if (executable_file(out)) return 0;
        p += len + (p[len] == ':');
    }
    fprintf(stderr, "%s: %s: command not found\n", tool, prog);
    return 127;
}

const char *launch_slot(const char *tool, const char *option) {
    static char path[PATH_MAX];
    const char *slot = getenv("SLOT");
    if (option)
        snprintf(path, sizeof path, "%s", option);
    else if (slot && *slot && strlen(slot) > 3 && strcmp(slot + strlen(slot) - 3, ".so") == 0)
        snprintf(path, sizeof path, "%s", slot);
    else if (slot && *slot)
        snprintf(path, sizeof path, "%s/alloc.so", slot);
    else
        snprintf(path, sizeof path, "%s/slot/alloc.so", build_dir());
    if (access(path, R_OK) != 0) {
        fprintf(stderr,
                "%s: %s: no such allocator (build the slot with `make`, or give --alloc=FILE.so)\n",
                tool, path);
        return NULL;
    }
    /* LD_PRELOAD needs no relative path: the program may change directory before it execs. */
    char *abs = realpath(path, NULL);
    if (abs) {
        snprintf(path, sizeof path, "%s", abs);
        free(abs);
    }
    return path;
}

static void set_number(const char *name, int value) {
    char buf[16];
    snprintf(buf, sizeof buf, "%d", value);
    setenv(name, buf, 1);
}

int launch_run(launch *l, char *const argv[]) {
    char prog[PATH_MAX];
    if (launch_resolve(l->tool, argv[0], prog, sizeof prog)) return -1;
    char preload[3 * PATH_MAX + 2] = "";
    if (l->track) {
        char tracker[PATH_MAX];
        snprintf(tracker, sizeof tracker, "%s/harness/tracker.so", build_dir());
        if (access(tracker, R_OK) != 0) {
            fprintf(stderr, "%s: %s: missing (run `make tools`)\n", l->tool, tracker);
            return -1;
        }
        strcat(preload, tracker);
    }
    if (l->alloc) {
        if (preload[0]) strcat(preload, ":");
        strcat(preload, l->alloc);
    }
    const char *old = getenv("LD_PRELOAD");
    if (old && *old && strlen(preload) + strlen(old) + 2 < sizeof preload) {
        if (preload[0]) strcat(preload, ":");
        strcat(preload, old);
    }
    l->records[0] = 0;
    if (l->track) {
        const char *tmp = getenv("TMPDIR");
        snprintf(l->records, sizeof l->records, "%s/heaplab-tracker-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        int fd = mkstemp(l->records);
        if (fd < 0) {
            fprintf(stderr, "%s: cannot create %s: %s\n", l->tool, l->records, strerror(errno));
            return -1;
        }
        close(fd);
    }

    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    /* Like time(1): an interrupt from the terminal is the program's to handle; the tool reports
       after it. */
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: fork: %s\n", l->tool, strerror(errno));
        return -1;
    }
    if (pid == 0) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        if (preload[0]) setenv("LD_PRELOAD", preload, 1);
        if (l->track) {
            setenv("HEAPLAB_TRACKER_OUT", l->records, 1);
            set_number("HEAPLAB_TRACKER_FRAMES", l->frames > 0 ? l->frames : 1);
            set_number("HEAPLAB_TRACKER_LEAKS", l->leaks);
        }
        execv(prog, argv);
        fprintf(stderr, "%s: %s: %s\n", l->tool, prog, strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    struct rusage ru;
    int status;
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) continue;
    clock_gettime(CLOCK_MONOTONIC, &end);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    l->pid = pid;
    l->status = status;
    l->wall_seconds = (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    l->max_rss_kib = ru.ru_maxrss;
    return 0;
}

int launch_exit_status(int status) {
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

const char *launch_ending(int status) {
    static char buf[64];
    if (WIFSIGNALED(status))
        snprintf(buf, sizeof buf, "killed by SIG%s", sigabbrev_np(WTERMSIG(status)));
    else
        snprintf(buf, sizeof buf, "exit status %d", WEXITSTATUS(status));
    return buf;
}

void launch_cleanup(launch *l) {
    if (l->records[0]) unlink(l->records);
    l->records[0] = 0;
}

FILE *launch_report_file(const char *tool, const char *path) {
    if (!path) return stderr;
    FILE *f = fopen(path, "w");
    if (!f) fprintf(stderr, "%s: %s: %s\n", tool, path, strerror(errno));
    return f;
}
