/* threads16.c - 16 threads at once, each allocating and freeing 1000 blocks and then leaking
 * one of 10 * (its number) bytes, numbered 1 to 16: 16 blocks, 1360 bytes, all from one line. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

enum { THREADS = 16, ROUNDS = 1000 };
static void *kept[THREADS];

static void *work(void *arg) {
    uintptr_t n = (uintptr_t)arg;
    for (int i = 0; i < ROUNDS; i++) {
        void *volatile p = malloc(16 + (size_t)(i % 200));
        free(p);
    }
    kept[n - 1] = malloc(10 * n); /* the leak */
    return NULL;
}

int main(void) {
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, work, (void *)(i + 1)) != 0) return 1;
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    return 0;
}
