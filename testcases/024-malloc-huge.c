//@ category: edge
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! malloc(SIZE_MAX): NULL, ENOMEM
//! malloc(SIZE_MAX - 15): NULL, ENOMEM
//! malloc(SIZE_MAX - 4095): NULL, ENOMEM
//! malloc(SIZE_MAX / 2 + 1): NULL, ENOMEM
//! malloc(PTRDIFF_MAX): NULL, ENOMEM
//! malloc(PTRDIFF_MAX + 1): NULL, ENOMEM
//! malloc(2^48): NULL, ENOMEM
//! ok: malloc works afterwards

/* A request that cannot be met must fail cleanly: NULL with errno ENOMEM (POSIX).
 * Sizes near SIZE_MAX are the dangerous ones: adding a 16-byte header or rounding up to the
 * alignment wraps around to a tiny size, and the allocator returns a small block the caller
 * believes is enormous. Sizes above PTRDIFF_MAX must fail too (pointer differences inside
 * such an object would overflow), and 2^48 exceeds the x86-64 address space: mmap fails and
 * the allocator must report it, not crash on MAP_FAILED. Every case runs, and each wrong one
 * says whether the allocator returned a block or left errno wrong. */
#include "test_runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wrong;

static void expect_fail(const char *what, size_t n) {
    volatile size_t vn = n; /* the compiler must not fold or warn about the size */
    errno = 0;
    void *p = malloc(vn);
    int err = errno;
    if (p) {
        /* Too small to use or to trust, whatever it is: it is left alone. */
        printf("malloc(%s): returned a block; adding the header or rounding up to the alignment "
               "wraps around, or the request is passed on unchecked: check the size first\n",
               what);
    } else if (err != ENOMEM) {
        char name[80];
        snprintf(name, sizeof name, "%d (%s)", err, err ? strerror(err) : "unchanged");
        printf("malloc(%s): returned NULL but errno is %s, expected ENOMEM\n", what, name);
    } else {
        printf("malloc(%s): NULL, ENOMEM\n", what);
        return;
    }
    wrong++;
}

int main(void) {
    void *before = hl_malloc(100, 1);
    expect_fail("SIZE_MAX", SIZE_MAX);
    expect_fail("SIZE_MAX - 15", SIZE_MAX - 15);
    expect_fail("SIZE_MAX - 4095", SIZE_MAX - 4095);
    expect_fail("SIZE_MAX / 2 + 1", SIZE_MAX / 2 + 1);
    expect_fail("PTRDIFF_MAX", PTRDIFF_MAX);
    expect_fail("PTRDIFF_MAX + 1", (size_t)PTRDIFF_MAX + 1);
    expect_fail("2^48", (size_t)1 << 48);
    void *after = hl_malloc(1000, 2);
    hl_free(before, 100, 1);
    hl_free(after, 1000, 2);
    printf("ok: malloc works afterwards\n");
    CHECK_MSG(wrong == 0,
              "%d of 7 impossible malloc calls did not give NULL and ENOMEM (see above)", wrong);
    return 0;
}
