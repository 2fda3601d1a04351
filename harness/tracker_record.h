/* tracker_record.h - the tracker's output records: one JSON object a line, built in a fixed
 * buffer without allocating (the tracker runs inside malloc) and written with one write(2).
 *
 * A record longer than the buffer is cut at a field boundary and still closed, so every line
 * is valid JSON; `truncated` says so.
 */
#ifndef TRACKER_RECORD_H
#define TRACKER_RECORD_H

#include <stddef.h>
#include <stdint.h>

enum { TREC_RECORD_MAX = 8192 };

typedef struct trec_record {
    char buf[TREC_RECORD_MAX];
    size_t len;
    int fields;       /* fields in the innermost open object or array */
    int depth;        /* open objects and arrays, each closed by trec_end */
    char closers[16]; /* the closing character of each */
    int truncated;
} trec_record;

/* Starts a record {"kind":kind,"pid":pid, ... */
void trec_begin(trec_record *r, const char *kind, long pid);
void trec_str(trec_record *r, const char *key, const char *value);
void trec_u64(trec_record *r, const char *key, uint64_t value);
/* A hexadecimal string, "0x1f": addresses. */
void trec_hex(trec_record *r, const char *key, uint64_t value);
void trec_double(trec_record *r, const char *key, double value);
/* Opens an object or an array as the value of key (key NULL inside an array). */
void trec_object(trec_record *r, const char *key);
void trec_array(trec_record *r, const char *key);
/* Closes the innermost open object or array. */
void trec_end(trec_record *r);
/* Closes everything still open, adding "truncated":true when something was cut, and the
   newline; returns the line's length. */
size_t trec_finish(trec_record *r);

/* A message built in a caller's buffer (snprintf may allocate), always NUL-terminated, cut at
   cap - 1 characters. */
typedef struct trec_text {
    char *s;
    size_t len, cap;
} trec_text;

/* Appends as printf would, for the conversions messages use: %s, %zu, %zx, %llu, %llx and %%
   (hexadecimal in lowercase, an address written 0x%zx). A conversion outside these ends the
   message there: with its argument's type unknown, no later argument can be read. */
void trec_textf(trec_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
