/* tracker_table.h - the tracker's address-ordered tables: live blocks and obtained ranges.
 *
 * A table holds intervals [lo, hi) keyed by lo, in a treap (for the neighbours of an address)
 * with a hash index (to find a block by its address in one probe, as every free does), whose
 * memory comes from mmap: the tracker sits in front of the allocator it watches, so its own memory
 * never comes from malloc. The same table serves the live blocks (one node per block, with
 * what the tracker knows about the call that made it) and the memory the allocator obtained
 * from the system (disjoint ranges, merged when adjacent). Not thread-safe: the tracker holds
 * its lock around every call.
 */
#ifndef TRACKER_TABLE_H
#define TRACKER_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct tt_node {
    uintptr_t lo, hi; /* the interval [lo, hi) */
    size_t size;      /* a block's requested size (hi - lo is at least 1) */
    uint32_t site;    /* a block's allocation site (tracker's site table) */
    uint32_t prio;    /* treap heap order: a hash of lo */
    uint32_t align;   /* the alignment asked for (aligned family), else 0 */
    uint8_t fn;       /* the function that made the block */
    uint8_t payload;  /* a block's contents as the tracker left them (tracker.c's PAYLOAD_*) */
    struct tt_node *left, *right, *parent;
} tt_node;

typedef struct tt_table {
    tt_node *root;
    tt_node *free_nodes;     /* nodes returned by tt_remove, reused first */
    char *chunk, *chunk_end; /* the mmap'd chunk nodes are carved from */
    size_t count;            /* nodes in the table */
    uintptr_t total;         /* sum of hi - lo over the nodes */
    tt_node **index;         /* open addressing on lo, linear probing; NULL is empty */
    size_t index_cap;        /* a power of two, at least twice count */
} tt_table;

/* Inserts a copy of *n (its lo, hi and fields; the links and prio are set here). Returns the
   table's node, or NULL when no memory could be mapped. The caller keeps the keys unique. */
tt_node *tt_insert(tt_table *t, const tt_node *n);
/* The node with lo equal to `lo`, or NULL. */
tt_node *tt_find(const tt_table *t, uintptr_t lo);
/* The node with the greatest lo <= key, or NULL. */
tt_node *tt_floor(const tt_table *t, uintptr_t key);
/* The node with the smallest lo > key, or NULL. */
tt_node *tt_above(const tt_table *t, uintptr_t key);
/* A node whose interval meets [lo, hi), or NULL. */
tt_node *tt_overlapping(const tt_table *t, uintptr_t lo, uintptr_t hi);
/* Removes the node with lo equal to `lo`, if any; returns whether there was one, copying it
   to *out when out is not NULL. */
int tt_remove(tt_table *t, uintptr_t lo, tt_node *out);
/* Calls fn on each node in address order. */
void tt_walk(const tt_table *t, void (*fn)(const tt_node *, void *), void *arg);

/* Anonymous memory for the tracker's own use, by the system calls themselves: the tracker
   defines mmap and munmap to watch the allocator's, and its own must not pass through them.
   tt_map returns NULL on failure. */
void *tt_map(size_t bytes, int noreserve);
void tt_unmap(void *p, size_t bytes);

/* Ranges: a table of disjoint intervals, adjacent ones merged. */
/* Adds [lo, hi); returns 0, or -1 when no memory could be mapped. */
int tt_range_add(tt_table *t, uintptr_t lo, uintptr_t hi);
/* Removes [lo, hi) from whatever ranges it meets, splitting them; -1 when out of memory. */
int tt_range_remove(tt_table *t, uintptr_t lo, uintptr_t hi);
/* Whether [lo, hi) lies inside one range. */
int tt_range_covers(const tt_table *t, uintptr_t lo, uintptr_t hi);

#endif
