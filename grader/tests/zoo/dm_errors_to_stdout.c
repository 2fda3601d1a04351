/* Broken (debugging layer): error messages are printed to standard output instead of standard
 * error. Only a test that sends standard output elsewhere before the bug can tell. (Modelled by
 * pointing standard error at standard output around the reference's checks.) */
//@ loses: 73-75
#define ZOO_OWN_DMALLOC_FREE
#define ZOO_OWN_DMALLOC_REALLOC
#include "zoo.h"

void dmalloc_free(void *ptr, const char *file, long line) {
    fflush(stdout);
    int saved = dup(STDERR_FILENO);
    dup2(STDOUT_FILENO, STDERR_FILENO);
    ref_dmalloc_free(ptr, file, line);
    dup2(saved, STDERR_FILENO);
    close(saved);
}

void *dmalloc_realloc(void *ptr, size_t sz, const char *file, long line) {
    fflush(stdout);
    int saved = dup(STDERR_FILENO);
    dup2(STDOUT_FILENO, STDERR_FILENO);
    void *p = ref_dmalloc_realloc(ptr, sz, file, line);
    dup2(saved, STDERR_FILENO);
    close(saved);
    return p;
}
