/* leakcheck - the blocks a program never freed, grouped by allocation site.
 *
 * Runs PROG under the tracker with backtraces of up to 32 frames; at each process's exit the
 * tracker lists its live blocks by call stack (after libc has freed its own buffers, as under
 * valgrind), and leakcheck symbolizes the stacks with addr2line and prints them, largest total
 * first, one summary line last. A forked child inherits its parent's live blocks, so they count
 * as its leaks too unless it frees them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch.h"
#include "records.h"
#include "symbolize.h"

static const char usage[] =
    "usage: leakcheck [--slot | --alloc=FILE.so] [--json] [-o FILE] PROG [ARGS...]\n"
    "\n"
    "Runs PROG and lists the blocks it never freed, per process, grouped by the call stack\n"
    "that allocated them (up to 32 frames, as `function file:line`), largest total first, then\n"
    "one summary line. The exit status is PROG's when nonzero, else 1 when something leaked,\n"
    "else 0; a PROG that cannot be run exits 127 (not found) or 126.\n"
    "\n"
    "  --slot          run PROG on the slot's allocator ($SLOT, or build/slot/alloc.so)\n"
    "  --alloc=FILE    run PROG on this allocator's shared object\n"
    "                  (default: libc's allocator)\n"
    "  --json          print the report as one JSON object\n"
    "  -o FILE         write the report to FILE instead of standard error\n"
    "  --help          this text\n";

typedef struct {
    const rd_leak *leak;
} site_ref;

static int by_bytes(const void *a, const void *b) {
    const rd_leak *x = ((const site_ref *)a)->leak, *y = ((const site_ref *)b)->leak;
    if (x->bytes != y->bytes) return x->bytes < y->bytes ? 1 : -1;
    return (x->blocks < y->blocks) - (x->blocks > y->blocks);
}

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* A frame's function and location, with fallbacks where there is no debug information. */
static void describe(const symbolizer *sym, const rd_frame *fr, const char **function,
                     char *location, size_t cap) {
    const sym_entry *e = sym_find(sym, fr->module, fr->offset);
    *function = e && e->function ? e->function : fr->symbol[0] ? fr->symbol : "??";
    if (e && e->location)
        snprintf(location, cap, "%s", e->location);
    else
        snprintf(location, cap, "%s+0x%llx", fr->module[0] ? fr->module : "??",
                 (unsigned long long)fr->offset);
}

/* Frames past main are the C runtime's: not shown. */
static int shown_depth(const symbolizer *sym, const rd_leak *l) {
    for (int d = 0; d < l->depth; d++) {
        const sym_entry *e = sym_find(sym, l->frames[d].module, l->frames[d].offset);
        const char *fn = e && e->function ? e->function : l->frames[d].symbol;
        if (strcmp(fn, "main") == 0) return d + 1;
    }
    return l->depth;
}

static void text_site(FILE *out, const symbolizer *sym, const rd_leak *l) {
    fprintf(out, "  %llu bytes in %llu block%s allocated at\n", (unsigned long long)l->bytes,
            (unsigned long long)l->blocks, l->blocks == 1 ? "" : "s");
    int depth = shown_depth(sym, l);
    for (int d = 0; d < depth; d++) {
        const char *function;
        char location[2048];
        describe(sym, &l->frames[d], &function, location, sizeof location);
        fprintf(out, "    %s %s\n", function, location);
    }
    if (depth == 0) fprintf(out, "    (no stack recorded)\n");
}

static void json_site(FILE *out, const symbolizer *sym, const rd_leak *l) {
    fprintf(out, "{\"blocks\":%llu,\"bytes\":%llu,\"frames\":[", (unsigned long long)l->blocks,
            (unsigned long long)l->bytes);
    int depth = shown_depth(sym, l);
    for (int d = 0; d < depth; d++) {
        const char *function;
        char location[2048];
        describe(sym, &l->frames[d], &function, location, sizeof location);
        const sym_entry *e = sym_find(sym, l->frames[d].module, l->frames[d].offset);
        char *colon = strrchr(location, ':');
        fprintf(out, "%s{\"function\":", d ? "," : "");
        json_string(out, function);
        if (e && e->location && colon) {
            *colon = 0;
            fprintf(out, ",\"file\":");
            json_string(out, location);
            fprintf(out, ",\"line\":%ld", strtol(colon + 1, NULL, 10));
        }
        fprintf(out, ",\"module\":");
        json_string(out, l->frames[d].module);
        fprintf(out, ",\"offset\":\"0x%llx\"}", (unsigned long long)l->frames[d].offset);
    }
    fprintf(out, "]}");
}

int main(int argc, char **argv) {
    int slot = 0, json = 0;
    const struct option flags[] = {
        {"slot", no_argument, &slot, 1}, {"json", no_argument, &json, 1}, {0}};
    launch_options o;
    int parsed = launch_parse(argc, argv, usage, flags, 1, &o);
    if (parsed >= 0) return parsed;
    launch l = {.tool = "leakcheck", .track = 1, .frames = 32, .leaks = 1};
    if (slot || o.alloc) {
        l.alloc = launch_slot(l.tool, o.alloc);
        if (!l.alloc) return 2;
    }
    char resolved[4096];
    int bad = launch_resolve(l.tool, argv[o.prog], resolved, sizeof resolved);
    if (bad) return bad;
    FILE *out = launch_report_file(l.tool, o.output);
    if (!out) return 2;
    if (launch_run(&l, argv + o.prog) < 0) return 2;
    int status = launch_exit_status(l.status);

    rd_records recs;
    if (rd_load(l.records, &recs) < 0) {
        fprintf(stderr, "leakcheck: cannot read the tracker's records %s\n", l.records);
        launch_cleanup(&l);
        return status ? status : 2;
    }
    launch_cleanup(&l);
    symbolizer sym = {0};
    for (size_t p = 0; p < recs.count; p++)
        for (size_t k = 0; k < recs.procs[p].leak_count; k++)
            for (int d = 0; d < recs.procs[p].leaks[k].depth; d++)
                sym_add(&sym, recs.procs[p].leaks[k].frames[d].module,
                        recs.procs[p].leaks[k].frames[d].offset);
    sym_resolve(&sym);

    unsigned long long blocks = 0, bytes = 0, sites = 0, leaking = 0, summaries = 0;
    if (json) fprintf(out, "{\"processes\":[");
    for (size_t p = 0; p < recs.count; p++) {
        const rd_process *proc = &recs.procs[p];
        summaries += proc->has_summary;
        unsigned long long pb = 0, pbytes = 0;
        site_ref *refs = calloc(proc->leak_count + 1, sizeof *refs);
        if (!refs) return 2;
        for (size_t k = 0; k < proc->leak_count; k++) {
            refs[k].leak = &proc->leaks[k];
            pb += proc->leaks[k].blocks;
            pbytes += proc->leaks[k].bytes;
        }
        qsort(refs, proc->leak_count, sizeof *refs, by_bytes);
        if (json) {
            fprintf(out, "%s{\"pid\":%ld,\"exe\":", p ? "," : "", proc->pid);
            json_string(out, proc->exe);
            fprintf(out, ",\"allocator\":");
            json_string(out, proc->allocator);
            fprintf(out, ",\"leaked_blocks\":%llu,\"leaked_bytes\":%llu,\"sites\":[", pb, pbytes);
            for (size_t k = 0; k < proc->leak_count; k++) {
                if (k) fputc(',', out);
                json_site(out, &sym, refs[k].leak);
            }
            fprintf(out, "]}");
        } else if (proc->leak_count) {
            fprintf(out,
                    "leakcheck: process %ld (%s): %llu bytes in %llu block%s never freed, from %zu "
                    "site%s\n",
                    proc->pid, proc->exe, pbytes, pb, pb == 1 ? "" : "s", proc->leak_count,
                    proc->leak_count == 1 ? "" : "s");
            for (size_t k = 0; k < proc->leak_count; k++) text_site(out, &sym, refs[k].leak);
        }
        free(refs);
        blocks += pb;
        bytes += pbytes;
        sites += proc->leak_count;
        leaking += proc->leak_count > 0;
    }
    if (json) {
        fprintf(out,
                "],\"leaked_blocks\":%llu,\"leaked_bytes\":%llu,\"sites\":%llu,\"status\":%d}\n",
                blocks, bytes, sites, status);
    } else if (blocks) {
        fprintf(out,
                "leakcheck: %llu bytes in %llu block%s never freed, from %llu site%s, in %llu of "
                "%llu process%s\n",
                bytes, blocks, blocks == 1 ? "" : "s", sites, sites == 1 ? "" : "s", leaking,
                summaries, summaries == 1 ? "" : "es");
    } else if (summaries) {
        fprintf(out, "leakcheck: no leaks: every block was freed (%llu process%s)\n", summaries,
                summaries == 1 ? "" : "es");
    } else {
        fprintf(out, "leakcheck: %s wrote no report (%s): it ended before exit could run\n",
                argv[o.prog], launch_ending(l.status));
    }
    if (out != stderr) fclose(out);
    sym_free(&sym);
    rd_free(&recs);
    if (status) return status;
    return blocks ? 1 : 0;
}
