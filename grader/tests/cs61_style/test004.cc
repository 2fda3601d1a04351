#include "dmalloc.hh"
// A second free of the same block is reported, and the program stops there (how it stops is
// not checked, as the handouts' check.pl does not check it).

int main() {
    void* p = malloc(32);
    printf("freeing %p twice\n", p);
    free(p);
    free(p);
    printf("not reached\n");
}

//! freeing ??{0x[0-9a-f]+}=ptr?? twice
//! MEMORY BUG???: invalid free of pointer ??ptr??, double free
