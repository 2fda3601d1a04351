//@ category: errors
//@ needs: dmalloc
//@ exit: fail
//! ??{[a-z ]+}?? ??{0x[0-9a-f]+}=ptr?? at line ??{[0-9]+}=line??
//! MEMORY BUG: ???074-dm-error-stderr-wild-write.c:??line??: detected wild write during free of pointer ??ptr??

/* Errors go to standard error: standard output goes to /dev/null before the free of a block written one byte past its end, so the wild-write line shows only if it went to standard error. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

int main(void) {
    char *a = malloc(50);
    CHECK(a != NULL);
    a[50] = 1;
    int devnull = open("/dev/null", O_WRONLY);
    CHECK(devnull >= 0);
    printf("%s %p at line %d\n", "freeing", (void *)(a), __LINE__ + 3); /* the free below */
    fflush(stdout);
    dup2(devnull, STDOUT_FILENO);
    free(a);
    printf("the program went on after the bug\n");
    return 0;
}
