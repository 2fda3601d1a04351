/* tracker_dmalloc.h - between the tracker (tracker.c) and its watch on the debugging layer's
 * interface (tracker_dmalloc.c): what one lends the other, hidden from the program.
 */
#ifndef TRACKER_DMALLOC_H
#define TRACKER_DMALLOC_H

#include <stdint.h>

#define TRACKER_HIDDEN __attribute__((visibility("hidden")))

/* Whether this process has stopped tracking: a child forked while another thread held the
   tracker's lock, whose tables (this file's among them) may be half-changed. */
TRACKER_HIDDEN int tracker_untracked(void);
/* The tracker's one lock. */
TRACKER_HIDDEN void tracker_lock(void);
TRACKER_HIDDEN void tracker_unlock(void);
/* Writes a violation record of `type` for a call of `function` made from `caller`, the lock
   held; it counts among the tracker's violations (the first 100 are written). */
TRACKER_HIDDEN void tracker_violation(const char *type, const char *function, const char *message,
                                      uintptr_t caller);

#endif
