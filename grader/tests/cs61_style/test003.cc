#include "dmalloc.hh"
// realloc goes to dmalloc_realloc: a layer without one cannot run this test.

int main() {
    char* p = (char*) malloc(8);
    p = (char*) realloc(p, 64);
    free(p);
    dmalloc_print_statistics();
}

//! alloc count: active          0   total          2   fail          0
//! alloc size:  active          0   total         72   fail          0
