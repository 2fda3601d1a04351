/* Cheat: an endless loop in a constructor. No test reaches main; the grader must recognise it
 * from the first tests and not wait out every test's limit. */
#include "../zoo/zoo.h"

__attribute__((constructor)) static void spin(void) {
    for (volatile int forever = 1; forever;) continue;
}
