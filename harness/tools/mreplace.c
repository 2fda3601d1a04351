/* mreplace - a program on the slot's allocator.
 *
 * As CS 241's mreplace: PROG runs with the slot's alloc.so preloaded, so every malloc it and
 * its libraries make is the slot's. mreplace execs PROG itself, so PROG's exit status, signals
 * and terminal are its own.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"

static const char usage[] =
    "usage: mreplace [--alloc=FILE.so] PROG [ARGS...]\n"
    "\n"
    "Runs PROG on the slot's allocator: its shared object preloaded (LD_PRELOAD) ahead of\n"
    "libc, so every malloc, free, calloc, realloc and aligned allocation PROG makes is the\n"
    "slot's. The exit status is PROG's; a PROG that cannot be run exits 127 (not found) or 126.\n"
    "\n"
    "  --alloc=FILE    the allocator's shared object (default: $SLOT/alloc.so when SLOT is\n"
    "                  set, as `make SLOT=`, else build/slot/alloc.so)\n"
    "  --help          this text\n";

int main(int argc, char **argv) {
    const struct option no_flags[] = {{0}};
    launch_options o;
    int parsed = launch_parse(argc, argv, usage, no_flags, 0, &o);
    if (parsed >= 0) return parsed;
    const char *so = launch_slot("mreplace", o.alloc);
    if (!so) return 2;
    char prog[4096];
    int bad = launch_resolve("mreplace", argv[o.prog], prog, sizeof prog);
    if (bad) return bad;
    const char *old = getenv("LD_PRELOAD");
    size_t len = strlen(so) + (old ? strlen(old) + 1 : 0) + 1;
    char *preload = malloc(len);
    if (!preload) return 2;
    snprintf(preload, len, "%s%s%s", so, old && *old ? ":" : "", old && *old ? old : "");
    setenv("LD_PRELOAD", preload, 1);
    execv(prog, argv + o.prog);
    perror(prog);
    return 126;
}
