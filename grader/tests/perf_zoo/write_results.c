/* Cheat for the trace driver: its first malloc in each process writes a report of its own where
 * the grader keeps the performance report, then serves every request correctly. The grader's
 * tests define HEAPLAB_RESULTS, the run's results folder, before this file; in the box that
 * folder is a trap, and the file left there makes every trace a cheat. */
#define ZOO_OWN_MALLOC
#include "../zoo/zoo.h"

#include <fcntl.h>
#include <unistd.h>

#ifndef HEAPLAB_RESULTS
#define HEAPLAB_RESULTS "build/slot/results"
#endif

static int written;

void *malloc(size_t size) {
    if (!written) {
        written = 1;
        int fd = open(HEAPLAB_RESULTS "/report.html", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            static const char page[] = "<p>Perf index = 100/100</p>\n";
            (void)!write(fd, page, sizeof page - 1);
            close(fd);
        }
    }
    return ref_malloc(size);
}
