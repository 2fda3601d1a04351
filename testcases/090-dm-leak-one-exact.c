//@ category: leaks
//@ needs: dmalloc
//! leaking ??{0x[0-9a-f]+}=ptr?? of 33 bytes from line ??{[0-9]+}=line??
//! LEAK CHECK: ???090-dm-leak-one-exact.c:??line??: allocated object ??ptr?? with size 33
//! done

/* The exact leak-report line (CS61 test028): file, line of the allocation, pointer and the
 * requested size, for the one block among 100 that is never freed. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

int main(void) {
    void *p[100];
    for (int i = 0; i < 100; i++) {
        p[i] = malloc(10 + (size_t)i);
        CHECK(p[i] != NULL);
    }
    int line = __LINE__ + 1;
    char *leak = malloc(33);
    CHECK(leak != NULL);
    printf("leaking %p of 33 bytes from line %d\n", (void *)leak, line);
    for (int i = 0; i < 100; i++) free(p[i]);
    dmalloc_print_leak_report();
    printf("done\n");
    return 0;
}
