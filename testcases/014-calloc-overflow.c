//@ category: calloc
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! calloc(2^63, 2): NULL, ENOMEM
//! calloc(2, 2^63): NULL, ENOMEM
//! calloc(2^33, 2^33): NULL, ENOMEM
//! calloc(2^61 + 1, 8): NULL, ENOMEM
//! calloc(2^32 + 1, 2^32): NULL, ENOMEM
//! calloc(SIZE_MAX, SIZE_MAX): NULL, ENOMEM
//! calloc(SIZE_MAX, 1): NULL, ENOMEM
//! ok: calloc(0, n) and calloc(n, 0) accepted, calloc works afterwards
/* calloc(nmemb, size) must fail when nmemb * size does not fit in a size_t (C11 7.22.3.2;
 * CERT MEM07-C). An allocator that just multiplies gets the product modulo 2^64: 2^33 * 2^33
 * wraps to 0 and 2^61 + 1 times 8 to 8, so it returns a tiny block the caller believes is
 * enormous, the root of many heap overflows (CVE-2002-0391 and friends). Each case must give
 * NULL with errno set to ENOMEM, and the allocator must go on working. Every case runs, and
 * each wrong one says which fault it shows: a block (no overflow check) or NULL with another
 * errno (the check is there, errno is not set). */
#include "test_runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wrong;

static void expect_fail(const char *what, size_t nmemb, size_t size) {
    /* volatile: the compiler must not fold or warn about the sizes. */
    volatile size_t vn = nmemb, vs = size;
    errno = 0;
    void *p = calloc(vn, vs);
    int err = errno;
    size_t wrapped = nmemb * size;
    bool overflows = size != 0 && nmemb > SIZE_MAX / size;
    if (p && overflows) {
        printf("calloc(%s): returned a block: nmemb * size overflows and wraps to %zu; check for "
               "overflow before multiplying\n",
               what, wrapped);
    } else if (p) {
        printf("calloc(%s): returned a block for %zu bytes, more than any heap holds; adding the "
               "header or rounding up wraps around\n",
               what, wrapped);
    } else if (err != ENOMEM) {
        char name[80];
        snprintf(name, sizeof name, "%d (%s)", err, err ? strerror(err) : "unchanged");
        /* With a product that wraps to 0, a missing check looks the same when malloc(0) is NULL. */
        bool maybe_unchecked = err == 0 && wrapped == 0;
        printf("calloc(%s): returned NULL but errno is %s, expected ENOMEM%s\n", what, name,
               maybe_unchecked ? " (or no overflow check: the product wraps to 0 and malloc(0) "
                                 "returned NULL)"
                               : "");
    } else {
        printf("calloc(%s): NULL, ENOMEM\n", what);
        return;
    }
    /* A block from a wrapped size is too small to use or to trust: it is left alone. */
    wrong++;
}

int main(void) {
    expect_fail("2^63, 2", (size_t)1 << 63, 2);
    expect_fail("2, 2^63", 2, (size_t)1 << 63);
    expect_fail("2^33, 2^33", (size_t)1 << 33, (size_t)1 << 33);
    expect_fail("2^61 + 1, 8", ((size_t)1 << 61) + 1, 8);
    expect_fail("2^32 + 1, 2^32", ((size_t)1 << 32) + 1, (size_t)1 << 32);
    expect_fail("SIZE_MAX, SIZE_MAX", SIZE_MAX, SIZE_MAX);
    expect_fail("SIZE_MAX, 1", SIZE_MAX, 1);

    volatile size_t zero = 0, ten = 10;
    void *a = calloc(zero, ten), *b = calloc(ten, zero);
    if (a) hl_live_add(a, 0, 1);
    if (b) hl_live_add(b, 0, 1);
    unsigned char *c = calloc(ten, ten);
    CHECK(c != NULL);
    for (int i = 0; i < 100; i++) CHECK(c[i] == 0);
    hl_live_add(c, 100, 1);
    if (a) hl_live_remove(a);
    if (b) hl_live_remove(b);
    hl_live_remove(c);
    free(a);
    free(b);
    free(c);
    printf("ok: calloc(0, n) and calloc(n, 0) accepted, calloc works afterwards\n");
    CHECK_MSG(wrong == 0,
              "%d of 7 impossible calloc calls did not give NULL and ENOMEM (see above)", wrong);
    return 0;
}
