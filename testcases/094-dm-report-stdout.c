//@ category: leaks
//@ needs: dmalloc
//! leaking ??{0x[0-9a-f]+}=ptr?? of 77 bytes from line ??{[0-9]+}=line??
//! alloc count: active          1   total          2   fail          0
//! alloc size:  active         77   total         87   fail          0
//! LEAK CHECK: ???094-dm-report-stdout.c:??line??: allocated object ??ptr?? with size 77

/* Reports go to standard output (docs/dmalloc.md): the test closes standard error before printing the
 * statistics and the leak report, so their lines appear only if they went to standard output.
 * Catches a layer that writes every message, reports included, to stderr. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <unistd.h>

int main(void) {
    char *tmp = malloc(10);
    CHECK(tmp != NULL);
    free(tmp);
    int line = __LINE__ + 1;
    char *leak = malloc(77);
    CHECK(leak != NULL);
    printf("leaking %p of 77 bytes from line %d\n", (void *)leak, line);
    fflush(stderr);
    close(STDERR_FILENO);
    dmalloc_print_statistics();
    dmalloc_print_leak_report();
    return 0;
}
