/* records.c - reading the tracker's records back (see records.h). */
#include "records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const rd_function_names[RD_FUNCTIONS] = {
    "malloc",        "free",     "calloc", "realloc", "posix_memalign",
    "aligned_alloc", "memalign", "valloc", "pvalloc", "malloc_usable_size"};

/* The end of the JSON string starting at s (after its opening quote): its closing quote. */
static const char *string_end(const char *s) {
    while (*s && *s != '"') s += *s == '\\' && s[1] ? 2 : 1;
    return s;
}

/* The value of "key": within [s, end), at the top level of the object s starts inside. */
static const char *value_of(const char *s, const char *end, const char *key) {
    size_t klen = strlen(key);
    int depth = 0;
    for (const char *p = s; p < end && *p; p++) {
        if (*p == '"') {
            const char *q = string_end(p + 1);
            if (depth == 0 && (size_t)(q - p - 1) == klen && strncmp(p + 1, key, klen) == 0 &&
                q[0] == '"' && q[1] == ':')
                return q + 2;
            p = *q ? q : q - 1;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            depth--;
        }
    }
    return NULL;
}

/* The end of the object or array starting at s: one past its closing bracket. */
static const char *nested_end(const char *s) {
    int depth = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '"') {
            p = string_end(p + 1);
            if (!*p) return p;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if ((*p == '}' || *p == ']') && --depth == 0) {
            return p + 1;
        }
    }
    return s + strlen(s);
}

static uint64_t number(const char *s, const char *end, const char *key) {
    const char *v = value_of(s, end, key);
    if (!v) return 0;
    if (*v == '"') return strtoull(v + 1, NULL, 16); /* "0x..." */
    return strtoull(v, NULL, 10);
}

static void string(const char *s, const char *end, const char *key, char *out, size_t cap) {
    const char *v = value_of(s, end, key);
    size_t n = 0;
    if (v && *v == '"') {
        for (v++; *v && *v != '"' && n + 1 < cap; v++) {
            if (*v == '\\' && v[1] == 'u') {
                out[n++] = (char)strtol((char[]){v[4], v[5], 0}, NULL, 16);
                v += 5;
            } else {
                if (*v == '\\' && v[1]) v++;
                out[n++] = *v;
            }
        }
    }
    out[n] = 0;
}

static rd_process *process(rd_records *r, long pid) {
    for (size_t i = 0; i < r->count; i++)
        if (r->procs[i].pid == pid) return &r->procs[i];
    rd_process *grown = realloc(r->procs, (r->count + 1) * sizeof *grown);
    if (!grown) return NULL;
    r->procs = grown;
    rd_process *p = &r->procs[r->count++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    return p;
}

static void read_summary(rd_process *p, const char *s, const char *end) {
    p->has_summary = 1;
    p->ppid = (long)number(s, end, "ppid");
    string(s, end, "exe", p->exe, sizeof p->exe);
    string(s, end, "allocator", p->allocator, sizeof p->allocator);
    const char *calls = value_of(s, end, "calls");
    if (calls) {
        const char *calls_end = nested_end(calls);
        for (int fn = 0; fn < RD_FUNCTIONS; fn++)
            p->calls[fn] = number(calls + 1, calls_end, rd_function_names[fn]);
    }
    p->bytes_requested = number(s, end, "bytes_requested");
    p->failed = number(s, end, "failed");
    p->free_unknown = number(s, end, "free_unknown");
    p->live_blocks = number(s, end, "live_blocks");
    p->live_bytes = number(s, end, "live_bytes");
    p->peak_live_blocks = number(s, end, "peak_live_blocks");
    p->peak_live_bytes = number(s, end, "peak_live_bytes");
    p->footprint = number(s, end, "footprint");
    p->peak_footprint = number(s, end, "peak_footprint");
    p->violations = number(s, end, "violations");
}

static int read_leak(rd_process *p, const char *s, const char *end) {
    rd_leak *grown = realloc(p->leaks, (p->leak_count + 1) * sizeof *grown);
    if (!grown) return -1;
    p->leaks = grown;
    rd_leak *l = &p->leaks[p->leak_count++];
    memset(l, 0, sizeof *l);
    l->blocks = number(s, end, "blocks");
    l->bytes = number(s, end, "bytes");
    const char *f = value_of(s, end, "frames");
    if (!f || *f != '[') return 0;
    const char *frames_end = nested_end(f);
    for (f++; f < frames_end && l->depth < RD_MAX_FRAMES; f++) {
        if (*f != '{') continue;
        const char *obj_end = nested_end(f);
        rd_frame *fr = &l->frames[l->depth++];
        char text[4096];
        string(f + 1, obj_end, "module", text, sizeof text);
        fr->module = strdup(text);
        string(f + 1, obj_end, "symbol", text, sizeof text);
        fr->symbol = strdup(text);
        if (!fr->module || !fr->symbol) return -1;
        fr->offset = number(f + 1, obj_end, "offset");
        f = obj_end - 1;
    }
    return 0;
}

static int read_violation(rd_process *p, const char *s, const char *end) {
    char message[1024];
    string(s, end, "message", message, sizeof message);
    char **grown = realloc(p->messages, (p->message_count + 1) * sizeof *grown);
    if (!grown) return -1;
    p->messages = grown;
    p->messages[p->message_count] = strdup(message);
    if (!p->messages[p->message_count]) return -1;
    p->message_count++;
    return 0;
}

int rd_load(const char *path, rd_records *out) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int status = 0;
    while (status == 0 && (len = getline(&line, &cap, f)) > 0) {
        if (line[0] != '{') continue;
        const char *s = line + 1, *end = line + len;
        char kind[32];
        string(s, end, "kind", kind, sizeof kind);
        rd_process *p = process(out, (long)number(s, end, "pid"));
        if (!p)
            status = -1;
        else if (strcmp(kind, "summary") == 0)
            read_summary(p, s, end);
        else if (strcmp(kind, "leak") == 0)
            status = read_leak(p, s, end);
        else if (strcmp(kind, "violation") == 0)
            status = read_violation(p, s, end);
    }
    free(line);
    fclose(f);
    return status;
}

void rd_free(rd_records *r) {
    for (size_t i = 0; i < r->count; i++) {
        for (size_t k = 0; k < r->procs[i].leak_count; k++)
            for (int d = 0; d < r->procs[i].leaks[k].depth; d++) {
                free(r->procs[i].leaks[k].frames[d].module);
                free(r->procs[i].leaks[k].frames[d].symbol);
            }
        free(r->procs[i].leaks);
        for (size_t m = 0; m < r->procs[i].message_count; m++) free(r->procs[i].messages[m]);
        free(r->procs[i].messages);
    }
    free(r->procs);
    memset(r, 0, sizeof *r);
}
