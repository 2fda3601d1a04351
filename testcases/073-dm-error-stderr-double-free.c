//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???073-dm-error-stderr-double-free.c:??line??: invalid free of pointer ??ptr??, double free

/* Errors go to standard error (docs/dmalloc.md): standard output is sent to /dev/null just before a double free, so the MEMORY BUG line appears only if it was written to standard error. Catches a layer that prints errors with printf. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

int main(void) {
    char *a = malloc(50);
    CHECK(a != NULL);
    free(a);
    int devnull = open("/dev/null", O_WRONLY);
    CHECK(devnull >= 0);
    printf("%s %p at line %d\n", "freeing again", (void *)(a), __LINE__ + 3); /* the free below */
    fflush(stdout);
    dup2(devnull, STDOUT_FILENO);
    free(a);
    printf("the program went on after the bug\n");
    return 0;
}
