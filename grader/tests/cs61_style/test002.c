#include "m61.h"
#include <stdio.h>
/* C, in the older handouts' m61 names: each one is heaplab's dmalloc_ function. */

int main(void) {
    char *p = malloc(10);
    char *q = calloc(3, 4);
    free(p);
    struct m61_statistics st;
    m61_getstatistics(&st);
    printf("%s: %llu %llu %llu %llu\n", __FILE__, st.nactive, st.active_size, st.ntotal, st.total_size);
    free(q);
    m61_print_statistics();
    return 0;
}

//! test002.c: 1 12 2 22
//! alloc count: active          0   total          2   fail          0
//! alloc size:  active          0   total         22   fail          0
