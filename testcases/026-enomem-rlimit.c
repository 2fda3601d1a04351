//@ category: edge
//@ points: 2
//@ timeout: 10
//@ mode: static preload
//! ok: RLIMIT_AS set to the current address space + 64 MiB
//! ok: 1 MiB, 4 KiB and 64-byte blocks allocated until NULL, each failure with ENOMEM
//! ok: 1000 more large requests (malloc, calloc, realloc): NULL with ENOMEM, no crash
//! ok: after freeing everything, 32 MiB and 10000 small blocks allocated again

/* When the system refuses memory (sbrk and mmap fail), malloc must return NULL with errno
 * ENOMEM, keep doing so for as long as memory is short, and work again once blocks are
 * freed. The test lowers its own address-space limit (setrlimit RLIMIT_AS) to 64 MiB above
 * what it already uses and allocates until NULL with large, page and small blocks. Typical
 * failures: dereferencing the MAP_FAILED or (void *)-1 that mmap and sbrk return, a heap left
 * half-extended after a failed sbrk, a free list corrupted by the failed path, or an
 * allocator that cannot recover after the frees. */
#include "test_runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The process' address-space size (VmSize), in bytes. */
static size_t vm_size(void) {
    char buf[8192];
    int fd = open("/proc/self/status", O_RDONLY);
    CHECK(fd >= 0);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    CHECK(n > 0);
    buf[n] = '\0';
    char *s = strstr(buf, "VmSize:");
    CHECK(s != NULL);
    return (size_t)strtoull(s + 7, NULL, 10) * 1024;
}

/* Blocks are chained through their first word, so holding them needs no other memory. */
struct chain {
    struct chain *next;
    size_t size;
};

static struct chain *held;
static size_t nheld;

static int take(size_t size, int cap, const char *what) {
    for (int i = 0; i < cap; i++) {
        errno = 0;
        struct chain *c = malloc(size);
        if (!c) {
            CHECK_MSG(errno == ENOMEM, "malloc(%zu) returned NULL with errno %d, not ENOMEM", size,
                      errno);
            return i;
        }
        hl_live_add(c, size, 1);
        c->next = held;
        c->size = size;
        ((unsigned char *)c)[size - 1] = 0x5a;
        held = c;
        nheld++;
    }
    hl_fail(__FILE__, __LINE__, "%d %s blocks allocated under a 64 MiB address-space limit", cap,
            what);
}

int main(void) {
    free(malloc(100)); /* let the allocator initialize before measuring */
    /* The live set maps its nodes as it grows: make it map room for 100000 blocks now. */
    for (uintptr_t i = 0; i < 100000; i++)
        hl_live_add((void *)(((uintptr_t)1 << 46) + 16 * i), 1, 16);
    for (uintptr_t i = 0; i < 100000; i++) hl_live_remove((void *)(((uintptr_t)1 << 46) + 16 * i));
    struct rlimit old, lim;
    CHECK(getrlimit(RLIMIT_AS, &old) == 0);
    lim = old;
    rlim_t want = (rlim_t)vm_size() + (64u << 20);
    if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur > want) lim.rlim_cur = want;
    CHECK(setrlimit(RLIMIT_AS, &lim) == 0);
    printf("ok: RLIMIT_AS set to the current address space + 64 MiB\n");

    take(1u << 20, 4096, "1 MiB");
    take(4096, 1 << 20, "4 KiB");
    take(64, 1 << 22, "64-byte");
    printf("ok: 1 MiB, 4 KiB and 64-byte blocks allocated until NULL, each failure with ENOMEM\n");

    static const size_t big[] = {1u << 20, 2u << 20, 200u << 10, 100u << 20};
    for (int i = 0; i < 1000; i++) {
        volatile size_t n = big[i % 4];
        errno = 0;
        void *p;
        const char *what;
        if (i % 3 == 0) {
            what = "malloc";
            p = malloc(n);
        } else if (i % 3 == 1) {
            what = "calloc";
            p = calloc(1, n);
        } else {
            what = "realloc";
            p = realloc(held, n); /* must fail and leave the block alone */
        }
        CHECK_MSG(p == NULL, "%s(%zu) succeeded although the previous 1 MiB malloc failed", what,
                  (size_t)n);
        CHECK_MSG(errno == ENOMEM, "%s(%zu) returned NULL with errno %d, not ENOMEM", what,
                  (size_t)n, errno);
        CHECK(((unsigned char *)held)[held->size - 1] == 0x5a);
    }
    printf("ok: 1000 more large requests (malloc, calloc, realloc): NULL with ENOMEM, no crash\n");

    while (held) {
        struct chain *next = held->next;
        CHECK(((unsigned char *)held)[held->size - 1] == 0x5a);
        hl_live_remove(held);
        free(held);
        held = next;
    }
    void *again[32];
    for (int i = 0; i < 32; i++) {
        again[i] = malloc(1u << 20);
        CHECK_MSG(again[i] != NULL, "malloc(1 MiB) #%d failed after everything was freed", i);
        memset(again[i], 1, 1u << 20);
    }
    for (int i = 0; i < 32; i++) free(again[i]);
    for (int i = 0; i < 10000; i++) {
        void *p = malloc(100);
        CHECK_MSG(p != NULL, "malloc(100) #%d failed after everything was freed", i);
        hl_live_add(p, 100, 1);
        struct chain *c = p;
        c->next = held;
        held = c;
    }
    while (held) {
        struct chain *next = held->next;
        hl_live_remove(held);
        free(held);
        held = next;
    }
    printf("ok: after freeing everything, 32 MiB and 10000 small blocks allocated again\n");
    return 0;
}
