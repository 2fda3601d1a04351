/* A bug: the reference allocator, whose constructor writes through a null pointer. Graded by
 * grader/tests/test_before_main.py: every test before-main, the crash named where it happened. */
#include "../zoo/zoo.h"

static int *volatile nowhere;

__attribute__((constructor)) static void write_nowhere(void) {
    *nowhere = 1;
}
