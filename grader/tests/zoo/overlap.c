/* Broken: a block of 48 to 64 bytes is now and then (one request in 64) handed out a second time
 * while it is still live, as by an allocator whose free list lost track of a block. Each block is
 * still freed to the reference once, so the heap itself stays sound: what breaks is the caller's
 * data, and the tracker names the overlap where no check of the test reads it (15, 26, 113-115). */
//@ loses: 1,3,4,15,23,26,28,29,31-34,36-39,42,45,47-49,113-115
//@ may-lose: 35,50,116 (35, 116: a thread forks while another allocates: whether the child meets a block handed out twice, or this file's lock held by a thread fork did not copy, depends on scheduling; 50: whether sqlite3 reads a block handed out twice before its owner rewrites it depends on sqlite3's version: 3.40.1-2+deb12u2 does not)
#define ZOO_OWN_MALLOC
#define ZOO_OWN_FREE
#include "zoo.h"

static pthread_mutex_t zoo_lock = PTHREAD_MUTEX_INITIALIZER;
static void *last_handed_out;
static void *handed_twice[64];
static size_t ntwice, ncalls;

void *malloc(size_t size) {
    if (size < 48 || size > 64) return ref_malloc(size);
    pthread_mutex_lock(&zoo_lock);
    void *p = last_handed_out;
    if (p && ++ncalls % 64 == 0 && ntwice < 64) {
        handed_twice[ntwice++] = p;
        last_handed_out = NULL;
    } else {
        p = last_handed_out = ref_malloc(size);
    }
    pthread_mutex_unlock(&zoo_lock);
    return p;
}

void free(void *ptr) {
    pthread_mutex_lock(&zoo_lock);
    if (ptr == last_handed_out) last_handed_out = NULL;
    for (size_t i = 0; i < ntwice; i++) {
        if (handed_twice[i] == ptr) {
            handed_twice[i] = handed_twice[--ntwice];
            pthread_mutex_unlock(&zoo_lock);
            return;
        }
    }
    pthread_mutex_unlock(&zoo_lock);
    ref_free(ptr);
}
