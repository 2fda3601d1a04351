/* Correct: calloc is malloc and memset, as many allocators write it. Compiled with -O2 and no
 * more, gcc turns the pair back into a call to calloc, which then calls itself until the stack
 * overflows; the slot is compiled with -fno-builtin-malloc and its kin so that it never does.
 * grader/tests/test_slot_flags.py checks the object code of this file. */
//@ loses: none
#define ZOO_OWN_CALLOC
#include "zoo.h"

void *calloc(size_t nmemb, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(nmemb, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = malloc(total);
    if (p != NULL) memset(p, 0, total);
    return p;
}
