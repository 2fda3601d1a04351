//@ category: statistics
//@ needs: dmalloc
//! alloc count: active          2   total          3   fail          1
//! alloc size:  active        300   total        310   fail??{ +[0-9]+}??
//! alloc count: active          0   total          3   fail          1
//! alloc size:  active          0   total        310   fail??{ +[0-9]+}??

/* dmalloc_print_statistics prints exactly CS61's two lines, with %10llu fields and three spaces
 * between them (CS61 test009, test010). Catches a changed format, fields in the wrong order, and
 * a print that reads stale statistics. The failed request's size is not checked here. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

int main(void) {
    char *a = malloc(100), *b = malloc(10), *c = malloc(200);
    CHECK(a && b && c);
    free(b);
    volatile size_t huge = (size_t)-1 - 4096;
    CHECK(malloc(huge) == NULL);
    dmalloc_print_statistics();
    free(a);
    free(c);
    dmalloc_print_statistics();
    return 0;
}
