/* check_tracker.c - unit tests of the tracker's pure parts: its address-ordered tables and its
 * record writer.
 *
 * The interposer itself replaces malloc and so cannot run under AddressSanitizer;
 * grader/tests/test_tools.py runs it on real programs. These parts are plain data structures,
 * run here under ASan and UBSan too: a table that loses a block or misorders two would let an
 * overlap through, or report one that never happened.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker_record.h"
#include "tracker_table.h"

static tt_node block(uintptr_t lo, size_t size) {
    return (tt_node){.lo = lo, .hi = lo + size, .size = size};
}

/* ---- blocks -------------------------------------------------------------------------------- */
START_TEST(lookups_follow_address_order) {
    tt_table t = {0};
    uintptr_t los[] = {0x5000, 0x1000, 0x3000, 0x9000, 0x2000};
    for (int i = 0; i < 5; i++) {
        tt_node n = block(los[i], 0x100);
        ck_assert_ptr_nonnull(tt_insert(&t, &n));
    }
    ck_assert_uint_eq(t.count, 5);
    ck_assert_uint_eq(t.total, 5 * 0x100);
    ck_assert_uint_eq(tt_floor(&t, 0x2fff)->lo, 0x2000);
    ck_assert_uint_eq(tt_floor(&t, 0x3000)->lo, 0x3000);
    ck_assert_ptr_null(tt_floor(&t, 0xfff));
    ck_assert_uint_eq(tt_above(&t, 0x3000)->lo, 0x5000);
    ck_assert_ptr_null(tt_above(&t, 0x9000));
    ck_assert_uint_eq(tt_find(&t, 0x9000)->lo, 0x9000);
    ck_assert_ptr_null(tt_find(&t, 0x9001));
}
END_TEST

START_TEST(overlap_is_any_shared_byte) {
    tt_table t = {0};
    tt_node a = block(0x1000, 0x40), b = block(0x1080, 0x40);
    tt_insert(&t, &a);
    tt_insert(&t, &b);
    /* Touching is not overlapping: [0x1040, 0x1080) fits exactly between them. */
    ck_assert_ptr_null(tt_overlapping(&t, 0x1040, 0x1080));
    ck_assert_uint_eq(tt_overlapping(&t, 0x103f, 0x1048)->lo, 0x1000);
    ck_assert_uint_eq(tt_overlapping(&t, 0x1040, 0x1081)->lo, 0x1080);
    /* A block inside another, and one around another. */
    ck_assert_uint_eq(tt_overlapping(&t, 0x1010, 0x1020)->lo, 0x1000);
    ck_assert_ptr_nonnull(tt_overlapping(&t, 0x0f00, 0x2000));
    ck_assert_ptr_null(tt_overlapping(&t, 0x10c0, 0x2000));
}
END_TEST

START_TEST(remove_returns_the_record) {
    tt_table t = {0};
    tt_node a = block(0x1000, 24);
    a.fn = 3;
    a.site = 7;
    tt_insert(&t, &a);
    tt_node out;
    ck_assert_int_eq(tt_remove(&t, 0x1008, &out), 0);
    ck_assert_int_eq(tt_remove(&t, 0x1000, &out), 1);
    ck_assert_uint_eq(out.size, 24);
    ck_assert_uint_eq(out.fn, 3);
    ck_assert_uint_eq(out.site, 7);
    ck_assert_uint_eq(t.count, 0);
    ck_assert_uint_eq(t.total, 0);
    ck_assert_ptr_null(tt_find(&t, 0x1000));
}
END_TEST

static void collect(const tt_node *n, void *arg) {
    uintptr_t **cursor = arg;
    *(*cursor)++ = n->lo;
}

/* The treap's invariants below n: keys in order, priorities heap-ordered, parents right. */
static size_t check_subtree(const tt_node *n, const tt_node *parent, uintptr_t lo, uintptr_t hi) {
    if (!n) return 0;
    ck_assert_ptr_eq(n->parent, parent);
    ck_assert(n->lo >= lo && n->lo < hi);
    if (parent) ck_assert_uint_le(n->prio, parent->prio);
    return 1 + check_subtree(n->left, n, lo, n->lo) + check_subtree(n->right, n, n->lo + 1, hi);
}

/* Random inserts and removes against a plain array: the table always holds the same set, and
   finds each member by its address (through the hash index, whose deletions move entries). */
START_TEST(matches_a_plain_set_under_churn) {
    enum { SLOTS = 1024, STEPS = 20000 };
    static unsigned char live[SLOTS];
    static uintptr_t seen[SLOTS];
    memset(live, 0, sizeof live);
    tt_table t = {0};
    unsigned seed = 12345;
    size_t count = 0;
    for (int step = 0; step < STEPS; step++) {
        seed = seed * 1103515245 + 12345;
        unsigned i = (seed >> 8) % SLOTS;
        uintptr_t lo = 0x10000 + (uintptr_t)i * 64;
        if (live[i]) {
            ck_assert_int_eq(tt_remove(&t, lo, NULL), 1);
            live[i] = 0;
            count--;
        } else {
            tt_node n = block(lo, 48);
            ck_assert_ptr_null(tt_overlapping(&t, lo, lo + 48));
            ck_assert_ptr_nonnull(tt_insert(&t, &n));
            live[i] = 1;
            count++;
        }
    }
    ck_assert_uint_eq(t.count, count);
    ck_assert_uint_eq(check_subtree(t.root, NULL, 0, UINTPTR_MAX), count);
    for (unsigned i = 0; i < SLOTS; i++) {
        tt_node *n = tt_find(&t, 0x10000 + (uintptr_t)i * 64);
        if (live[i])
            ck_assert(n && n->lo == 0x10000 + (uintptr_t)i * 64);
        else
            ck_assert_ptr_null(n);
    }
    uintptr_t *cursor = seen;
    tt_walk(&t, collect, &cursor);
    ck_assert_uint_eq((size_t)(cursor - seen), count);
    size_t k = 0;
    for (unsigned i = 0; i < SLOTS; i++)
        if (live[i]) ck_assert_uint_eq(seen[k++], 0x10000 + (uintptr_t)i * 64);
}
END_TEST

/* ---- ranges -------------------------------------------------------------------------------- */
START_TEST(adjacent_ranges_merge) {
    tt_table t = {0};
    ck_assert_int_eq(tt_range_add(&t, 0x1000, 0x2000), 0);
    ck_assert_int_eq(tt_range_add(&t, 0x3000, 0x4000), 0);
    ck_assert_int_eq(tt_range_add(&t, 0x2000, 0x3000), 0); /* sbrk growing the heap */
    ck_assert_uint_eq(t.count, 1);
    ck_assert_uint_eq(t.total, 0x3000);
    /* A block straddling two sbrk increments lies in memory the allocator obtained. */
    ck_assert(tt_range_covers(&t, 0x1ff0, 0x3010));
    ck_assert(!tt_range_covers(&t, 0x3ff0, 0x4010));
    ck_assert(!tt_range_covers(&t, 0x0ff0, 0x1010));
}
END_TEST

START_TEST(removing_splits_and_trims) {
    tt_table t = {0};
    tt_range_add(&t, 0x1000, 0x9000);
    ck_assert_int_eq(tt_range_remove(&t, 0x3000, 0x4000), 0); /* munmap in the middle */
    ck_assert_uint_eq(t.count, 2);
    ck_assert_uint_eq(t.total, 0x7000);
    ck_assert(!tt_range_covers(&t, 0x3000, 0x3001));
    ck_assert(tt_range_covers(&t, 0x4000, 0x9000));
    tt_range_remove(&t, 0x8000, 0xa000); /* a negative sbrk trimming the top */
    ck_assert_uint_eq(t.total, 0x6000);
    tt_range_remove(&t, 0x0, 0x10000);
    ck_assert_uint_eq(t.count, 0);
    ck_assert_uint_eq(t.total, 0);
}
END_TEST

START_TEST(re_adding_a_range_counts_it_once) {
    tt_table t = {0};
    tt_range_add(&t, 0x1000, 0x3000);
    tt_range_add(&t, 0x2000, 0x4000); /* a MAP_FIXED mapping over part of it */
    ck_assert_uint_eq(t.count, 1);
    ck_assert_uint_eq(t.total, 0x3000);
}
END_TEST

/* ---- records ------------------------------------------------------------------------------- */
static const char *finish(trec_record *r) {
    size_t n = trec_finish(r);
    r->buf[n] = 0;
    return r->buf;
}

START_TEST(records_are_json_lines) {
    static trec_record r;
    trec_begin(&r, "summary", 42);
    trec_u64(&r, "bytes", 1234567890123ull);
    trec_hex(&r, "block", 0x7f00dead0010ull);
    trec_double(&r, "ratio", 1.5);
    trec_object(&r, "calls");
    trec_u64(&r, "malloc", 3);
    trec_u64(&r, "free", 0);
    trec_end(&r);
    trec_array(&r, "frames");
    trec_object(&r, NULL);
    trec_str(&r, "module", "/a");
    trec_end(&r);
    trec_object(&r, NULL);
    trec_end(&r);
    trec_end(&r);
    ck_assert_str_eq(finish(&r), "{\"kind\":\"summary\",\"pid\":42,\"bytes\":1234567890123,"
                                 "\"block\":\"0x7f00dead0010\",\"ratio\":1.500,"
                                 "\"calls\":{\"malloc\":3,\"free\":0},"
                                 "\"frames\":[{\"module\":\"/a\"},{}]}\n");
}
END_TEST

START_TEST(strings_are_escaped) {
    static trec_record r;
    trec_begin(&r, "violation", 1);
    trec_str(&r, "message", "a \"quoted\" \\ path\nnext\x01");
    ck_assert_str_eq(finish(&r), "{\"kind\":\"violation\",\"pid\":1,"
                                 "\"message\":\"a \\\"quoted\\\" \\\\ path\\u000anext\\u0001\"}\n");
}
END_TEST

/* A record larger than the buffer is cut between fields and still closed. */
START_TEST(long_records_are_cut_and_closed) {
    static trec_record r;
    static char module[1000];
    memset(module, 'm', sizeof module - 1);
    trec_begin(&r, "leak", 7);
    trec_array(&r, "frames");
    for (int i = 0; i < 32; i++) {
        trec_object(&r, NULL);
        trec_str(&r, "module", module);
        trec_end(&r);
    }
    const char *line = finish(&r);
    size_t n = strlen(line);
    ck_assert_uint_le(n, TREC_RECORD_MAX);
    ck_assert(r.truncated);
    ck_assert_str_eq(line + n - 21, "]}],\"truncated\":true}\n" + 1);
    /* Every opened bracket closed: as many of each kind. */
    int braces = 0, brackets = 0;
    for (const char *p = line; *p; p++) {
        braces += (*p == '{') - (*p == '}');
        brackets += (*p == '[') - (*p == ']');
    }
    ck_assert_int_eq(braces, 0);
    ck_assert_int_eq(brackets, 0);
}
END_TEST

/* The messages' formatter writes what snprintf would, cut at any buffer size. */
START_TEST(text_formats_as_printf_and_cuts) {
    char want[128], got[128];
    size_t full =
        (size_t)snprintf(want, sizeof want, "%s(%zu) at 0x%zx: %llu%% %llx", "malloc", (size_t)24,
                         (size_t)0x7f00dead0010, 18446744073709551615ull, 0ull);
    for (size_t cap = 1; cap <= full + 1; cap++) {
        trec_text t = {got, 0, cap};
        trec_textf(&t, "%s(%zu) at 0x%zx: %llu%% %llx", "malloc", (size_t)24,
                   (size_t)0x7f00dead0010, 18446744073709551615ull, 0ull);
        snprintf(want, cap, "%s(%zu) at 0x%zx: %llu%% %llx", "malloc", (size_t)24,
                 (size_t)0x7f00dead0010, 18446744073709551615ull, 0ull);
        ck_assert_str_eq(got, want);
        ck_assert_uint_eq(t.len, strlen(want));
    }
}
END_TEST

int main(void) {
    Suite *s = suite_create("tracker");
    TCase *tables = tcase_create("tables");
    tcase_add_test(tables, lookups_follow_address_order);
    tcase_add_test(tables, overlap_is_any_shared_byte);
    tcase_add_test(tables, remove_returns_the_record);
    tcase_add_test(tables, matches_a_plain_set_under_churn);
    tcase_add_test(tables, adjacent_ranges_merge);
    tcase_add_test(tables, removing_splits_and_trims);
    tcase_add_test(tables, re_adding_a_range_counts_it_once);
    suite_add_tcase(s, tables);
    TCase *records = tcase_create("records");
    tcase_add_test(records, records_are_json_lines);
    tcase_add_test(records, strings_are_escaped);
    tcase_add_test(records, long_records_are_cut_and_closed);
    tcase_add_test(records, text_formats_as_printf_and_cuts);
    suite_add_tcase(s, records);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
