//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! region allocated at line ??{[0-9]+}=aline??
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???075-dm-error-stderr-not-allocated.c:??line??: invalid free of pointer ??ptr??, not allocated
//!   ???075-dm-error-stderr-not-allocated.c:??aline??: ??ptr?? is 32 bytes inside a 64 byte region allocated here

/* Errors go to standard error, both lines of them: standard output goes to /dev/null before freeing a pointer into a live block; the "not allocated" line and the region line must both appear. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

int main(void) {
    int aline = __LINE__ + 1;
    char *p = malloc(64);
    CHECK(p != NULL);
    printf("region allocated at line %d\n", aline);
    int devnull = open("/dev/null", O_WRONLY);
    CHECK(devnull >= 0);
    printf("%s %p at line %d\n", "freeing", (void *)(p + 32), __LINE__ + 3); /* the free below */
    fflush(stdout);
    dup2(devnull, STDOUT_FILENO);
    free(p + 32);
    printf("the program went on after the bug\n");
    return 0;
}
