/* tracker_record.c - JSON lines built without allocating (see tracker_record.h). */
#include "tracker_record.h"

#include <stdarg.h>
#include <string.h>

/* Room kept for closing everything and the truncation flag. */
enum { RESERVE = 64 };

static int room(trec_record *r, size_t n) {
    if (r->truncated || r->len + n + RESERVE > sizeof r->buf) {
        r->truncated = 1;
        return 0;
    }
    return 1;
}

static void put(trec_record *r, const char *s, size_t n) {
    memcpy(r->buf + r->len, s, n);
    r->len += n;
}

static size_t escaped_len(const char *s) {
    size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        n += c == '"' || c == '\\' ? 2 : c < 0x20 ? 6 : 1;
    }
    return n + 2;
}

static void put_escaped(trec_record *r, const char *s) {
    static const char hex[] = "0123456789abcdef";
    r->buf[r->len++] = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            r->buf[r->len++] = '\\';
            r->buf[r->len++] = (char)c;
        } else if (c < 0x20) {
            put(r, "\\u00", 4);
            r->buf[r->len++] = hex[c >> 4];
            r->buf[r->len++] = hex[c & 15];
        } else {
            r->buf[r->len++] = (char)c;
        }
    }
    r->buf[r->len++] = '"';
}

/* The separator and key of a field whose value takes `value_len` bytes; 0 when it does not
   fit, and then nothing is written. */
static int key(trec_record *r, const char *k, size_t value_len) {
    size_t need = (r->fields ? 1 : 0) + (k ? escaped_len(k) + 1 : 0) + value_len;
    if (!room(r, need)) return 0;
    if (r->fields++) r->buf[r->len++] = ',';
    if (k) {
        put_escaped(r, k);
        r->buf[r->len++] = ':';
    }
    return 1;
}

static size_t digits(uint64_t v, unsigned base, char *out) {
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

void trec_begin(trec_record *r, const char *kind, long pid) {
    r->len = 0;
    r->fields = 0;
    r->depth = 0;
    r->truncated = 0;
    r->buf[r->len++] = '{';
    r->closers[r->depth++] = '}';
    trec_str(r, "kind", kind);
    trec_u64(r, "pid", (uint64_t)pid);
}

void trec_str(trec_record *r, const char *k, const char *value) {
    if (key(r, k, escaped_len(value))) put_escaped(r, value);
}

void trec_u64(trec_record *r, const char *k, uint64_t value) {
    char d[24];
    size_t n = digits(value, 10, d);
    if (key(r, k, n)) put(r, d, n);
}

void trec_hex(trec_record *r, const char *k, uint64_t value) {
    char d[24];
    size_t n = digits(value, 16, d);
    if (key(r, k, n + 4)) {
        put(r, "\"0x", 3);
        put(r, d, n);
        r->buf[r->len++] = '"';
    }
}

void trec_double(trec_record *r, const char *k, double value) {
    /* Three decimals are all a ratio or a time in seconds needs here. */
    if (!(value >= 0) || value > 1e15) value = 0;
    uint64_t thousandths = (uint64_t)(value * 1000 + 0.5);
    char d[32];
    size_t n = digits(thousandths / 1000, 10, d);
    d[n++] = '.';
    char frac[24];
    size_t f = digits(thousandths % 1000 + 1000, 10, frac);
    memcpy(d + n, frac + f - 3, 3);
    n += 3;
    if (key(r, k, n)) put(r, d, n);
}

static void open_nested(trec_record *r, const char *k, char opener, char closer) {
    if (r->depth >= (int)sizeof r->closers || !key(r, k, 1)) {
        r->truncated = 1;
        return;
    }
    r->buf[r->len++] = opener;
    r->closers[r->depth++] = closer;
    r->fields = 0;
}

void trec_object(trec_record *r, const char *k) {
    open_nested(r, k, '{', '}');
}

void trec_array(trec_record *r, const char *k) {
    open_nested(r, k, '[', ']');
}

void trec_end(trec_record *r) {
    if (r->truncated || r->depth <= 1) return;
    r->buf[r->len++] = r->closers[--r->depth];
    r->fields = 1;
}

size_t trec_finish(trec_record *r) {
    while (r->depth > 1) {
        r->buf[r->len++] = r->closers[--r->depth];
        r->fields = 1;
    }
    if (r->truncated) put(r, ",\"truncated\":true", 17);
    put(r, "}\n", 2);
    r->depth = 0;
    return r->len;
}

static void text_char(trec_text *t, char c) {
    if (t->len + 1 < t->cap) t->s[t->len++] = c;
}

static void text_str(trec_text *t, const char *s) {
    while (*s && t->len + 1 < t->cap) t->s[t->len++] = *s++;
}

void trec_textf(trec_text *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%' || f[1] == '%') {
            text_char(t, *f);
            f += *f == '%';
            continue;
        }
        f++;
        if (*f == 's') {
            text_str(t, va_arg(ap, const char *));
            continue;
        }
        uint64_t v;
        if (f[0] == 'z') {
            v = va_arg(ap, size_t);
            f += 1;
        } else if (f[0] == 'l' && f[1] == 'l') {
            v = va_arg(ap, unsigned long long);
            f += 2;
        } else {
            break;
        }
        if (*f != 'u' && *f != 'x') break;
        char d[24];
        d[digits(v, *f == 'x' ? 16 : 10, d)] = 0;
        text_str(t, d);
    }
    va_end(ap);
    t->s[t->len] = 0;
}
