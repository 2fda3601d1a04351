//@ category: threads
//@ points: 2
//@ needs: dmalloc
//! ok: 300 children forked while another thread allocates through dmalloc, each could allocate

/* fork() copies only the calling thread: when another thread holds the debugging layer's lock
 * at that moment, the child inherits it locked and its first dmalloc_malloc hangs forever. A
 * layer that takes its lock across fork (pthread_atfork) never hands a child a held lock. A
 * hung child is killed by its own alarm and reported. */
#include "test_runtime.h"

#include "dmalloc.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN 300

static atomic_bool done;

static void *allocate(void *arg) {
    (void)arg;
    while (!atomic_load(&done)) free(malloc(32));
    return NULL;
}

int main(void) {
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, allocate, NULL) == 0);
    for (int i = 0; i < CHILDREN; i++) {
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            alarm(2);
            void *p = malloc(10);
            free(p);
            _exit(p ? 0 : 3);
        }
        int status;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "child %d %s %d: it could not allocate after fork", i,
                  WIFSIGNALED(status) ? "was killed by signal" : "exited with",
                  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    }
    atomic_store(&done, true);
    CHECK(pthread_join(thread, NULL) == 0);
    printf("ok: %d children forked while another thread allocates through dmalloc, each could "
           "allocate\n",
           CHILDREN);
    return 0;
}
