/* mstats - what a program asked of its allocator, and what that cost.
 *
 * Runs PROG under the tracker on the slot's allocator (or libc's, or both in turn with
 * --compare) and prints, after it exits: the calls by function, the bytes requested, the peak
 * of live bytes (requested and not yet freed), the peak footprint (the memory the allocator
 * held from the system), utilization (peak live / peak footprint), wall time and peak RSS.
 * With several processes (fork, exec) calls and bytes are summed and peaks are the largest of
 * any one process.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch.h"
#include "records.h"

static const char usage[] =
    "usage: mstats [--libc | --compare] [--alloc=FILE.so] [-o FILE] PROG [ARGS...]\n"
    "\n"
    "Runs PROG on the slot's allocator under heaplab's tracker and prints, after it exits:\n"
    "calls by function, bytes requested, peak live bytes, peak footprint (memory the allocator\n"
    "obtained from the system), utilization (peak live / peak footprint), wall time, peak RSS,\n"
    "and any violation the tracker saw (overlapping or misaligned blocks, memory the allocator\n"
    "never obtained). The exit status is PROG's (the slot's run, with --compare); a PROG that\n"
    "cannot be run exits 127 (not found) or 126.\n"
    "\n"
    "  --libc          run PROG on libc's allocator instead\n"
    "  --compare       run PROG on both and print the columns side by side, with ratios\n"
    "  --alloc=FILE    the slot's shared object (default: $SLOT/alloc.so when SLOT is set, as\n"
    "                  `make SLOT=`, else build/slot/alloc.so)\n"
    "  -o FILE         write the report to FILE instead of standard error\n"
    "  --help          this text\n";

typedef struct {
    const char *name; /* column heading */
    launch run;
    rd_records recs;
    int loaded;
    unsigned long long calls[RD_FUNCTIONS], requested, peak_live, peak_footprint, violations;
    size_t summaries;
} column;

static int run_column(column *c, char *const argv[]) {
    if (launch_run(&c->run, argv) < 0) return -1;
    c->loaded = rd_load(c->run.records, &c->recs) == 0;
    launch_cleanup(&c->run);
    for (size_t p = 0; c->loaded && p < c->recs.count; p++) {
        const rd_process *proc = &c->recs.procs[p];
        if (!proc->has_summary) continue;
        c->summaries++;
        for (int fn = 0; fn < RD_FUNCTIONS; fn++) c->calls[fn] += proc->calls[fn];
        c->requested += proc->bytes_requested;
        c->violations += proc->violations;
        if (proc->peak_live_bytes > c->peak_live) c->peak_live = proc->peak_live_bytes;
        if (proc->peak_footprint > c->peak_footprint) c->peak_footprint = proc->peak_footprint;
    }
    return 0;
}

enum { NUMBER, PERCENT, SECONDS, KIB };

typedef struct {
    const char *label;
    int unit;
    double value[2];
} row;

static void format(char *buf, size_t cap, int unit, double v, int known) {
    if (!known)
        snprintf(buf, cap, "-");
    else if (unit == PERCENT)
        snprintf(buf, cap, "%.1f%%", v);
    else if (unit == SECONDS)
        snprintf(buf, cap, "%.3f s", v);
    else if (unit == KIB)
        snprintf(buf, cap, "%.0f KiB", v);
    else
        snprintf(buf, cap, "%.0f", v);
}

static void print_rows(FILE *out, const row *rows, size_t n, int columns) {
    for (size_t i = 0; i < n; i++) {
        char a[32], b[32];
        int util = rows[i].unit == PERCENT;
        format(a, sizeof a, rows[i].unit, rows[i].value[0], !util || rows[i].value[0] >= 0);
        fprintf(out, "  %-20s %14s", rows[i].label, a);
        if (columns == 2) {
            format(b, sizeof b, rows[i].unit, rows[i].value[1], !util || rows[i].value[1] >= 0);
            fprintf(out, " %14s", b);
            if (rows[i].value[1] > 0 && rows[i].value[0] >= 0)
                fprintf(out, " %12.2f", rows[i].value[0] / rows[i].value[1]);
            else
                fprintf(out, " %12s", "-");
        }
        fputc('\n', out);
    }
}

static void print_violations(FILE *out, const column *c) {
    if (!c->violations) return;
    fprintf(out, "mstats: %llu violation%s on %s:\n", c->violations, c->violations == 1 ? "" : "s",
            c->name);
    size_t shown = 0;
    for (size_t p = 0; p < c->recs.count; p++)
        for (size_t m = 0; m < c->recs.procs[p].message_count && shown < 10; m++, shown++)
            fprintf(out, "  %s\n", c->recs.procs[p].messages[m]);
}

int main(int argc, char **argv) {
    int libc = 0, compare = 0;
    const struct option flags[] = {
        {"libc", no_argument, &libc, 1}, {"compare", no_argument, &compare, 1}, {0}};
    launch_options o;
    int parsed = launch_parse(argc, argv, usage, flags, 1, &o);
    if (parsed >= 0) return parsed;
    if (libc && compare) {
        fputs(usage, stderr);
        return 2;
    }
    column cols[2] = {{.name = libc ? "libc" : "slot"}, {.name = "libc"}};
    int n = compare ? 2 : 1;
    const char *so = NULL;
    if (!libc) {
        so = launch_slot("mstats", o.alloc);
        if (!so) return 2;
    }
    char resolved[4096];
    int bad = launch_resolve("mstats", argv[o.prog], resolved, sizeof resolved);
    if (bad) return bad;
    FILE *out = launch_report_file("mstats", o.output);
    if (!out) return 2;
    for (int i = 0; i < n; i++) {
        cols[i].run = (launch){.tool = "mstats", .track = 1, .frames = 1};
        cols[i].run.alloc = strcmp(cols[i].name, "slot") == 0 ? so : NULL;
        if (run_column(&cols[i], argv + o.prog) < 0) return 2;
    }

    fprintf(out, "mstats:");
    for (int i = o.prog; i < argc; i++) fprintf(out, " %s", argv[i]);
    if (compare)
        fprintf(out, "\n  slot: %s; libc: glibc's malloc\n", so);
    else
        fprintf(out, "\n  on %s\n", so ? so : "glibc's malloc");
    for (int i = 0; i < n; i++)
        fprintf(out, "  %s run: %s, %zu process%s\n", cols[i].name,
                launch_ending(cols[i].run.status), cols[i].summaries,
                cols[i].summaries == 1 ? "" : "es");
    if (compare) fprintf(out, "  %-20s %14s %14s %12s\n", "", "slot", "libc", "slot/libc");

    row rows[RD_FUNCTIONS + 8];
    size_t r = 0;
    for (int fn = 0; fn < RD_FUNCTIONS; fn++) {
        rows[r] = (row){rd_function_names[fn], NUMBER, {0, 0}};
        for (int i = 0; i < n; i++) rows[r].value[i] = (double)cols[i].calls[fn];
        r++;
    }
    const char *labels[] = {"bytes requested", "peak live bytes", "peak footprint", "utilization",
                            "wall time",       "peak RSS",        "violations"};
    const int units[] = {NUMBER, NUMBER, NUMBER, PERCENT, SECONDS, KIB, NUMBER};
    for (size_t k = 0; k < sizeof labels / sizeof *labels; k++, r++) {
        rows[r] = (row){labels[k], units[k], {0, 0}};
        for (int i = 0; i < n; i++) {
            const column *c = &cols[i];
            double v[] = {
                (double)c->requested,
                (double)c->peak_live,
                (double)c->peak_footprint,
                c->peak_footprint ? 100.0 * (double)c->peak_live / (double)c->peak_footprint : -1,
                c->run.wall_seconds,
                (double)c->run.max_rss_kib,
                (double)c->violations};
            rows[r].value[i] = v[k];
        }
    }
    print_rows(out, rows, r, n);
    for (int i = 0; i < n; i++) print_violations(out, &cols[i]);
    if (out != stderr) fclose(out);
    int status = launch_exit_status(cols[0].run.status);
    for (int i = 0; i < n; i++) rd_free(&cols[i].recs);
    return status;
}
