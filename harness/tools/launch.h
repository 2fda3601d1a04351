/* launch.h - running a program under the tracker, for mreplace, mstats and leakcheck.
 *
 * The tools live in build/bin/; the tracker is build/harness/tracker.so and the slot's shared
 * object build/slot/alloc.so, both found from the tool's own path, so a tool works from any
 * directory. SLOT (a slot directory, as `make SLOT=`, or a .so) or --alloc=FILE.so picks
 * another allocator.
 */
#ifndef HEAPLAB_LAUNCH_H
#define HEAPLAB_LAUNCH_H

#include <getopt.h>
#include <limits.h>
#include <stdio.h>

typedef struct launch {
    const char *tool;       /* the tool's name, first on its messages */
    const char *alloc;      /* the slot's alloc.so, or NULL for libc's allocator */
    int track;              /* preload the tracker */
    int frames;             /* HEAPLAB_TRACKER_FRAMES */
    int leaks;              /* HEAPLAB_TRACKER_LEAKS */
    char records[PATH_MAX]; /* the tracker's records, once the program ended */
    int status;             /* the program's wait status */
    int pid;                /* the program's process id */
    double wall_seconds;
    long max_rss_kib;
} launch;

/* The command line the tools share: TOOL [own flags] [--alloc=FILE] [-o FILE] PROG [ARGS...]. */
typedef struct launch_options {
    const char *alloc;  /* --alloc=FILE */
    const char *output; /* -o FILE, for a tool that takes one */
    int prog;           /* PROG's index in argv */
} launch_options;

/* Parses argv: the tool's own flags are long options that set an int (struct option's flag
   field; the list ends with a zero entry), then --alloc, --help and, when takes_output, -o.
   Returns -1 when PROG may run; else the tool's exit status, usage printed: 0 for --help,
   2 for a bad option or no PROG. */
int launch_parse(int argc, char **argv, const char *usage, const struct option *flags,
                 int takes_output, launch_options *o);
/* The program as it will be run: a path, or found on PATH. Prints one line and returns 126 or
   127 (as a shell would) when it is missing or cannot be executed, else 0 with the path in out. */
int launch_resolve(const char *tool, const char *prog, char *out, size_t cap);
/* The slot's shared object: `option` (--alloc), else $SLOT, else the build's slot; NULL with
   one line printed when it does not exist. */
const char *launch_slot(const char *tool, const char *option);
/* Runs argv (argv[0] resolved as launch_resolve does) with the tracker and/or the allocator
   preloaded; fills status, times and records. Returns 0, or prints why and returns -1. */
int launch_run(launch *l, char *const argv[]);
/* The tool's exit status for the program's: its own, or 128 + the signal that killed it. */
int launch_exit_status(int status);
/* A description of how the program ended: "exit status 0", "killed by SIGSEGV". */
const char *launch_ending(int status);
/* Removes the records file. */
void launch_cleanup(launch *l);
/* The file the report goes to: stderr, or the one -o named (NULL with a message if it cannot
   be opened). */
FILE *launch_report_file(const char *tool, const char *path);

#endif
