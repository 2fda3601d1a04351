/* A cheat, or a bug: the reference allocator, whose constructor never returns. Graded by
 * grader/tests/test_before_main.py: every test before-main, and the run takes the time of the
 * first tests alone, not of each test's time limit. */
#include "../zoo/zoo.h"

#include <unistd.h>

__attribute__((constructor)) static void never_return(void) {
    sleep(1000);
}
