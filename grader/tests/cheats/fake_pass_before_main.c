/* A cheat: the reference allocator, whose constructor prints what a passing test might print
 * and exits 0 before the test's main runs. Graded by grader/tests/test_before_main.py, it must
 * score 0, every test before-main. */
#include "../zoo/zoo.h"

#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void pass_without_testing(void) {
    puts("malloc: ok");
    puts("free: ok");
    puts("all checks passed");
    exit(0);
}
