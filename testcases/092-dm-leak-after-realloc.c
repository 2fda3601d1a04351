//@ category: leaks
//@ needs: dmalloc
//! leaking ??{0x[0-9a-f]+}=ptr?? of 5000 bytes from line ??{[0-9]+}=line??
//! LEAK CHECK: ???092-dm-leak-after-realloc.c:??line??: allocated object ??ptr?? with size 5000
//! done

/* A block grown by realloc and never freed (not in CS61's public suite): the report names the
 * new pointer, the new size and the realloc's line, and not the old block, which realloc freed. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

int main(void) {
    char *p = malloc(20), *keep = malloc(20);
    CHECK(p && keep);
    int line = __LINE__ + 1;
    char *q = realloc(p, 5000);
    CHECK(q != NULL);
    printf("leaking %p of 5000 bytes from line %d\n", (void *)q, line);
    free(keep);
    dmalloc_print_leak_report();
    printf("done\n");
    return 0;
}
