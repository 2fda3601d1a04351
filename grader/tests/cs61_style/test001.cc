#include "dmalloc.hh"
#include <vector>
// C++ in the handouts' style: a container allocating through dmalloc_allocator, new and
// delete beside it, __FILE__ as the handout spells it, and heap_max one past the last byte.

int main() {
    std::vector<long, dmalloc_allocator<long>> squares;
    for (long i = 0; i < 50; ++i) {
        squares.push_back(i * i);
    }
    long* seven = new long(7);
    printf("%s: %ld %ld\n", __FILE__, squares[49], *seven);
    delete seven;

    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    printf("the vector allocated through dmalloc: %s\n", st.ntotal > 0 ? "yes" : "no");
    char* block = (char*) malloc(24);
    dmalloc_get_statistics(&st);
    printf("block + 24 <= heap_max: %s\n", (uintptr_t) block + 24 <= st.heap_max ? "yes" : "no");
    free(block);
}

//! test001.cc: 2401 7
//! the vector allocated through dmalloc: yes
//! block + 24 <= heap_max: yes
