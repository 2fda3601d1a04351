//@ category: boundary
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???085-dm-wild-write-int-array.c:??line??: detected wild write during free of pointer ??ptr??

/* An int array of 10 written at index 10 (CS61 test026): four bytes past the end, all of them changed. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    int *a = malloc(10 * sizeof(int));
    CHECK(a != NULL);
    for (int i = 0; i <= 10; i++) a[i] = i;
    HL_SAY("freeing", a);
    free(a);
    printf("the program went on after the bug\n");
    return 0;
}
