/* dmalloc_calls.c - a program built against libc alone that calls a debugging layer's interface
 * (alloc/dmalloc.h) where it finds one at run time: under LD_PRELOAD=tracker.so:alloc.so, the
 * tracker's definitions, which forward to the layer's. dmalloc_malloc(10), dmalloc_calloc(3, 4)
 * and the free of the first, then the statistics, printed as nactive active_size ntotal
 * total_size (1 12 2 22 from a correct layer), then the second block freed. Prints "no layer"
 * when none is found. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define DMALLOC_DISABLE
#include "../../../alloc/dmalloc.h"

#include <dlfcn.h>
#include <stdio.h>

#define FIND(name) ((__typeof__(&name))dlsym(RTLD_DEFAULT, #name))

int main(void) {
    __typeof__(&dmalloc_malloc) dm_malloc = FIND(dmalloc_malloc);
    __typeof__(&dmalloc_calloc) dm_calloc = FIND(dmalloc_calloc);
    __typeof__(&dmalloc_free) dm_free = FIND(dmalloc_free);
    __typeof__(&dmalloc_get_statistics) dm_statistics = FIND(dmalloc_get_statistics);
    if (!dm_malloc || !dm_calloc || !dm_free || !dm_statistics) return puts("no layer") == EOF;
    void *a = dm_malloc(10, __FILE__, __LINE__);
    void *b = dm_calloc(3, 4, __FILE__, __LINE__);
    if (!a || !b) return 1;
    dm_free(a, __FILE__, __LINE__);
    dmalloc_statistics st;
    dm_statistics(&st);
    printf("%llu %llu %llu %llu\n", st.nactive, st.active_size, st.ntotal, st.total_size);
    dm_free(b, __FILE__, __LINE__);
    return 0;
}
