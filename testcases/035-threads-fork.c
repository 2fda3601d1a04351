//@ category: threads
//@ points: 3
//@ timeout: 20
//@ mode: static preload
//! ok: 50 forks while 2 threads allocate in a loop: every child could malloc and exit

/* fork() copies only the calling thread. If another thread held the allocator's lock at that
 * moment, the child inherits a lock that nobody will ever release, and its first malloc
 * deadlocks (glibc's malloc, like any allocator used by threaded programs that fork, takes
 * its locks around fork with pthread_atfork or equivalent). Two threads allocate and free in
 * a tight loop while the main thread forks 50 times; each child must allocate, use and free
 * memory and exit 0. A child stuck for 5 seconds is killed by its own alarm and reported. */
#include "test_runtime.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FORKS 50

static atomic_int stop;

static void *churn(void *arg) {
    uint64_t rng = 35 + (uint64_t)(uintptr_t)arg;
    void *keep[64] = {0};
    while (!atomic_load(&stop)) {
        int i = (int)(hl_rand(&rng) % 64);
        free(keep[i]);
        keep[i] = malloc(1 + hl_rand(&rng) % (i < 2 ? 200000 : 2000));
        CHECK(keep[i] != NULL);
    }
    for (int i = 0; i < 64; i++) free(keep[i]);
    return NULL;
}

static void child(void) {
    alarm(5);
    void *p[100];
    for (int i = 0; i < 100; i++) {
        p[i] = malloc((size_t)i * 37 + 1);
        if (!p[i]) _exit(2);
        memset(p[i], i, (size_t)i * 37 + 1);
    }
    void *big = malloc(256u << 10);
    if (!big) _exit(2);
    memset(big, 1, 256u << 10);
    for (int i = 0; i < 100; i++) {
        const unsigned char *b = p[i];
        if (b[i * 37] != (unsigned char)i) _exit(3);
        free(p[i]);
    }
    free(big);
    _exit(0);
}

int main(void) {
    pthread_t th[2];
    for (uintptr_t t = 0; t < 2; t++) CHECK(pthread_create(&th[t], NULL, churn, (void *)t) == 0);
    for (int f = 0; f < FORKS; f++) {
        usleep(1000); /* let the threads get deep into the allocator */
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) child();
        int status;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK_MSG(!(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM),
                  "fork #%d: the child hung in the allocator (a lock held across fork?)", f);
        CHECK_MSG(!WIFSIGNALED(status), "fork #%d: the child died of signal %d", f,
                  WTERMSIG(status));
        CHECK_MSG(WEXITSTATUS(status) == 0, "fork #%d: the child exited with %d (%s)", f,
                  WEXITSTATUS(status),
                  WEXITSTATUS(status) == 2 ? "malloc failed" : "memory corrupted");
    }
    atomic_store(&stop, 1);
    for (int t = 0; t < 2; t++) pthread_join(th[t], NULL);
    printf("ok: %d forks while 2 threads allocate in a loop: every child could malloc and exit\n",
           FORKS);
    return 0;
}
