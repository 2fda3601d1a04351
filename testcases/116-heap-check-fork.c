//@ category: heap-report
//@ points: 1
//@ timeout: 20
//@ mode: static
//@ needs: heap-report
//! ok: child: alloc_check_heap holds after fork while another thread allocates
//! ok: parent: alloc_check_heap holds

/* fork() while another thread is allocating: the child's copy of the heap must be
 * consistent, and so must the parent's. */
#include "alloc.h"
#include "test_runtime.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/wait.h>

static volatile int stop;

static void *churn(void *arg) {
    (void)arg;
    uint64_t rng = 105;
    void *keep[64] = {0};
    while (!stop) {
        int i = (int)(hl_rand(&rng) % 64);
        free(keep[i]);
        keep[i] = malloc(1 + hl_rand(&rng) % 5000);
    }
    for (int i = 0; i < 64; i++) free(keep[i]);
    return NULL;
}

int main(void) {
    pthread_t th;
    CHECK(pthread_create(&th, NULL, churn, NULL) == 0);
    usleep(20000);
    fflush(stdout);
    for (int k = 0; k < 5; k++) {
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            void *p = malloc(100);
            free(p);
            if (!alloc_check_heap()) _exit(3);
            if (k == 4)
                printf("ok: child: alloc_check_heap holds after fork while another thread "
                       "allocates\n");
            fflush(stdout);
            _exit(0);
        }
        int status;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d: status 0x%x", k,
                  status);
    }
    stop = 1;
    CHECK(pthread_join(th, NULL) == 0);
    CHECK(alloc_check_heap());
    printf("ok: parent: alloc_check_heap holds\n");
    return 0;
}
