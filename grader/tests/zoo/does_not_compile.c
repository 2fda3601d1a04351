/* Broken: does not compile. Every test must be reported not-built, with this error first. */
//@ loses: all
#include <stddef.h>

void *malloc(size_t size) {
    return size + ;
}
