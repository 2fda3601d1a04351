//@ category: leaks
//@ needs: dmalloc
//! leak report follows
//! done

/* A program that frees everything has an empty leak report (CS61 test027's clean half): 10,000
 * blocks of every kind (malloc, calloc, realloc, freed in another order than allocated) leave
 * nothing behind. Catches a report that lists freed blocks or that realloc left behind. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>

#define N 10000

int main(void) {
    static char *p[N];
    uint64_t rng = 89;
    for (int i = 0; i < N; i++) {
        switch (i % 3) {
            case 0:
                p[i] = malloc(1 + hl_rand(&rng) % 100);
                break;
            case 1:
                p[i] = calloc(1 + hl_rand(&rng) % 10, 8);
                break;
            default:
                p[i] = realloc(malloc(10), 1 + hl_rand(&rng) % 1000);
                break;
        }
        CHECK(p[i] != NULL);
    }
    for (int i = 0; i < N; i += 2) free(p[i]);
    for (int i = 1; i < N; i += 2) free(p[i]);
    printf("leak report follows\n");
    dmalloc_print_leak_report();
    printf("done\n");
    return 0;
}
