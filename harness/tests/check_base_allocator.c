/* check_base_allocator.c - unit tests of CS61's base allocator (harness/base_allocator.c).
 *
 * A debugging layer built on base_malloc and base_free relies on each of its promises: blocks
 * of the size asked, 16-aligned; freed blocks handed out again, in random order; freed memory
 * never written and never given back to libc; base_allocator_disable(true) making both plain
 * malloc and free; one lock making it safe from many threads. Check's fork mode gives every test
 * a fresh allocator.
 */
#include <check.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* For base_malloc and its kin; the test calls libc's malloc and free, not its macros. */
#include "../../alloc/dmalloc.h"
#undef malloc
#undef free

/* The bytes libc's allocator has handed out and not taken back: under AddressSanitizer its
   allocator's count, else glibc's. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#ifdef UNDER_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t heap_in_use(void) {
    return __sanitizer_get_current_allocated_bytes();
}
#else
static size_t heap_in_use(void) {
    return mallinfo2().uordblks;
}
#endif

enum { BLOCKS = 64, SIZE = 128 };

static void fill(unsigned char *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(seed * 31 + i);
}

static bool filled(const unsigned char *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed * 31 + i)) return false;
    return true;
}

static size_t index_of(void *const *blocks, size_t n, const void *p) {
    for (size_t i = 0; i < n; i++)
        if (blocks[i] == p) return i;
    return n;
}

/* ---- blocks -------------------------------------------------------------------------------- */

START_TEST(test_blocks_are_aligned_and_usable) {
    static const size_t sizes[] = {0, 1, 7, 16, 17, 100, 128, 129, 4096, 100000, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *p = base_malloc(sizes[i]);
        ck_assert_ptr_nonnull(p);
        ck_assert_msg((uintptr_t)p % 16 == 0, "base_malloc(%zu) = %p", sizes[i], (void *)p);
        fill(p, sizes[i], (unsigned)i);
        ck_assert(filled(p, sizes[i], (unsigned)i));
    }
    ck_assert_ptr_null(base_malloc(SIZE_MAX));
    ck_assert_ptr_null(base_malloc(SIZE_MAX - 20));
    base_free(NULL);
}
END_TEST

START_TEST(test_freed_blocks_reused_in_random_order) {
    void *freed[BLOCKS], *again[BLOCKS];
    for (size_t i = 0; i < BLOCKS; i++) freed[i] = base_malloc(SIZE);
    for (size_t i = 0; i < BLOCKS; i++) base_free(freed[i]);
    bool as_freed = true, reversed = true;
    for (size_t i = 0; i < BLOCKS; i++) {
        again[i] = base_malloc(SIZE);
        size_t at = index_of(freed, BLOCKS, again[i]);
        ck_assert_msg(at < BLOCKS, "block %zu of the same size is new, not a freed one", i);
        ck_assert_msg(index_of(again, i, again[i]) == i, "%p handed out twice", again[i]);
        as_freed = as_freed && at == i;
        reversed = reversed && at == BLOCKS - 1 - i;
    }
    ck_assert_msg(!as_freed && !reversed, "freed blocks came back in order (%s)",
                  as_freed ? "oldest first" : "newest first");
}
END_TEST

START_TEST(test_a_freed_block_too_small_is_not_reused) {
    void *small = base_malloc(100);
    base_free(small);
    for (int i = 0; i < 100; i++) ck_assert_ptr_ne(base_malloc(101), small);
    ck_assert_ptr_eq(base_malloc(64), small);
}
END_TEST

/* A program that frees and allocates one size in a loop, of any size, reuses its blocks
 * instead of growing the heap without bound. */
START_TEST(test_a_freed_block_of_the_same_size_is_reused) {
    void *freed = base_malloc(100);
    base_free(freed);
    ck_assert_ptr_eq(base_malloc(100), freed);
}
END_TEST

START_TEST(test_freed_memory_never_written) {
    unsigned char *freed[BLOCKS];
    for (unsigned i = 0; i < BLOCKS; i++) {
        freed[i] = base_malloc(SIZE);
        fill(freed[i], SIZE, i);
    }
    for (unsigned i = 0; i < BLOCKS; i++) base_free(freed[i]);
    /* Traffic in other classes, enough to grow the free lists' own arrays. */
    for (int round = 0; round < 3; round++) {
        void *others[2000];
        for (size_t i = 0; i < 2000; i++) others[i] = base_malloc(16 + i % 32);
        for (size_t i = 0; i < 2000; i++) base_free(others[i]);
    }
    for (unsigned i = 0; i < BLOCKS; i++)
        ck_assert_msg(filled(freed[i], SIZE, i), "freed block %u was written", i);
    /* Handed out again, a block still holds what its last owner left. */
    for (unsigned i = 0; i < BLOCKS; i++) {
        unsigned char *p = base_malloc(SIZE);
        unsigned owner = (unsigned)index_of((void *const *)freed, BLOCKS, p);
        ck_assert_uint_lt(owner, BLOCKS);
        ck_assert_msg(filled(p, SIZE, owner), "reused block of %u was cleared", owner);
    }
}
END_TEST

/* Above glibc's per-thread cache, whose blocks it counts as in use even when freed. */
enum { LARGE = 5000 };

START_TEST(test_freed_memory_never_given_back) {
    unsigned char *p = base_malloc(LARGE);
    fill(p, LARGE, 7);
    size_t before = heap_in_use();
    base_free(p);
    ck_assert_uint_eq(heap_in_use(), before);
    for (int i = 0; i < 100; i++) {
        unsigned char *q = malloc(LARGE + 16);
        ck_assert_msg(q + LARGE + 16 <= p || q >= p + LARGE,
                      "libc's malloc handed out %p, inside a freed block at %p", (void *)q,
                      (void *)p);
    }
    ck_assert(filled(p, LARGE, 7));
}
END_TEST

/* ---- disabled ------------------------------------------------------------------------------ */

START_TEST(test_disabled_is_plain_malloc_and_free) {
    void *kept = base_malloc(SIZE);
    base_free(kept);
    base_allocator_disable(true);
    void *plain[16];
    for (size_t i = 0; i < 16; i++) {
        plain[i] = base_malloc(SIZE);
        ck_assert_ptr_nonnull(plain[i]);
        ck_assert_ptr_ne(plain[i], kept);
        ck_assert((uintptr_t)plain[i] % 16 == 0);
    }
    void *large = base_malloc(LARGE);
    size_t before = heap_in_use();
    base_free(large);
    ck_assert_msg(heap_in_use() < before, "a disabled base_free did not free");
    for (size_t i = 0; i < 16; i++) base_free(plain[i]);
    /* Enabled again: the blocks freed while disabled went to libc, not to the free lists, and
       the one kept before is there still, alone. */
    base_allocator_disable(false);
    ck_assert_ptr_eq(base_malloc(SIZE), kept);
}
END_TEST

/* ---- threads ------------------------------------------------------------------------------- */

enum { THREADS = 4, ROUNDS = 1000000, LIVE = 8 };

/* Each thread stamps its blocks with its own number: a block handed to two threads at once
   comes back with the other's stamp. All blocks have one size, so that every thread takes from
   and gives to the same free list. */
static void *churn(void *arg) {
    unsigned id = (unsigned)(uintptr_t)arg;
    unsigned char *live[LIVE] = {0};
    unsigned rng = id * 2654435761u + 1;
    for (int i = 0; i < ROUNDS; i++) {
        rng = rng * 1103515245u + 12345u;
        size_t slot = (rng >> 8) % LIVE;
        if (live[slot] != NULL) {
            if (!filled(live[slot], SIZE, id)) return (void *)1;
            base_free(live[slot]);
        }
        live[slot] = base_malloc(SIZE);
        if (live[slot] == NULL) return (void *)1;
        fill(live[slot], SIZE, id);
    }
    for (size_t slot = 0; slot < LIVE; slot++) base_free(live[slot]);
    return NULL;
}

START_TEST(test_threads_never_share_a_block) {
    pthread_t threads[THREADS];
    for (uintptr_t t = 0; t < THREADS; t++)
        ck_assert_int_eq(pthread_create(&threads[t], NULL, churn, (void *)(t + 1)), 0);
    for (size_t t = 0; t < THREADS; t++) {
        void *failed;
        pthread_join(threads[t], &failed);
        ck_assert_msg(failed == NULL, "thread %zu found its block changed", t + 1);
    }
}
END_TEST

static Suite *base_allocator_suite(void) {
    Suite *s = suite_create("base_allocator");
    TCase *blocks = tcase_create("blocks");
    tcase_add_test(blocks, test_blocks_are_aligned_and_usable);
    tcase_add_test(blocks, test_freed_blocks_reused_in_random_order);
    tcase_add_test(blocks, test_a_freed_block_too_small_is_not_reused);
    tcase_add_test(blocks, test_a_freed_block_of_the_same_size_is_reused);
    tcase_add_test(blocks, test_freed_memory_never_written);
    tcase_add_test(blocks, test_freed_memory_never_given_back);
    suite_add_tcase(s, blocks);
    TCase *disabled = tcase_create("disabled");
    tcase_add_test(disabled, test_disabled_is_plain_malloc_and_free);
    suite_add_tcase(s, disabled);
    TCase *threads = tcase_create("threads");
    tcase_set_timeout(threads, 30);
    tcase_add_test(threads, test_threads_never_share_a_block);
    suite_add_tcase(s, threads);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(base_allocator_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
