/* Stands for the header a course copies beside its handout tests: heaplab must serve its own
 * dmalloc.hh (alloc/handout/) to these tests, never this one. */
#error "a test included the dmalloc.hh beside it instead of heaplab's"
