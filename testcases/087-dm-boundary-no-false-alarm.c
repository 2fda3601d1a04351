//@ category: boundary
//@ points: 2
//@ needs: dmalloc
//! ok: sizes 0 .. 300 filled to the last byte with every value, freed without a false alarm
//! ok: the same through calloc and realloc

/* No false alarms: every byte of a block belongs to the program, so filling a block to its last
 * byte (with every byte value, the canary's own included) and freeing it is fine. Catches a
 * canary placed inside the payload, a canary position computed from a rounded size, and a
 * realloc that leaves the canary at the old size. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    for (int v = 0; v < 256; v += 17) {
        for (size_t n = 0; n <= 300; n++) {
            unsigned char *p = malloc(n);
            CHECK(p != NULL);
            memset(p, v, n);
            free(p);
        }
    }
    printf("ok: sizes 0 .. 300 filled to the last byte with every value, freed without a false "
           "alarm\n");
    for (size_t n = 1; n <= 300; n++) {
        unsigned char *p = calloc(n, 1);
        CHECK(p != NULL);
        memset(p, 0xff, n);
        p = realloc(p, n + 7);
        CHECK(p != NULL);
        memset(p, 0xde, n + 7);
        p = realloc(p, n / 2 + 1);
        CHECK(p != NULL);
        memset(p, 0xad, n / 2 + 1);
        free(p);
    }
    printf("ok: the same through calloc and realloc\n");
    return 0;
}
