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

/* A request that cannot be met must fail cleanly: NULL with errno ENOMEM (SPEC 3.1, POSIX).
 * Sizes near SIZE_MAX are the dangerous ones: adding a 16-byte header or rounding up to the
 * alignment wraps around to a tiny size, and the allocator returns a small block the caller
 * believes is enormous. Sizes above PTRDIFF_MAX must fail too (pointer differences inside
 * such an object would overflow), and 2^48 exceeds the x86-64 address space: mmap fails and
 * the allocator must report it, not crash on MAP_FAILED. */
#include "test_runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static void expect_fail(const char *what, size_t n) {
    volatile size_t vn = n; /* the compiler must not fold or warn about the size */
    errno = 0;
    void *p = malloc(vn);
    CHECK_MSG(p == NULL, "malloc(%s) returned %p instead of NULL", what, p);
    CHECK_MSG(errno == ENOMEM, "malloc(%s) returned NULL but errno = %d, not ENOMEM", what, errno);
    printf("malloc(%s): NULL, ENOMEM\n", what);
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
    return 0;
}
