/* tracker_table.c - the tracker's address-ordered tables (see tracker_table.h).
 *
 * A treap: a binary search tree on lo whose nodes are also heap-ordered on a hash of lo, so
 * its depth stays logarithmic whatever order the allocator hands out addresses in, without
 * the bookkeeping of a balanced tree. Nodes come from 1 MiB chunks mapped with mmap and are
 * recycled through a free list; the memory is never returned, as a program's peak number of
 * live blocks bounds it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tracker_table.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { CHUNK_BYTES = 1 << 20 };

void *tt_map(size_t bytes, int noreserve) {
    long p = syscall(SYS_mmap, NULL, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | (noreserve ? MAP_NORESERVE : 0), -1, 0);
    return p < 0 && p > -4096 ? NULL : (void *)p;
}

void tt_unmap(void *p, size_t bytes) {
    syscall(SYS_munmap, p, bytes);
}

static uint32_t prio_of(uintptr_t lo) {
    uint64_t x = (uint64_t)lo * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(x >> 32) ^ (uint32_t)x;
}

static tt_node *new_node(tt_table *t) {
    tt_node *n = t->free_nodes;
    if (n) {
        t->free_nodes = n->left;
        return n;
    }
    if ((size_t)(t->chunk_end - t->chunk) < sizeof(tt_node)) {
        void *c = tt_map(CHUNK_BYTES, 0);
        if (!c) return NULL;
        t->chunk = c;
        t->chunk_end = t->chunk + CHUNK_BYTES;
    }
    n = (tt_node *)(void *)t->chunk;
    t->chunk += sizeof(tt_node);
    return n;
}

static tt_node *insert_at(tt_node *root, tt_node *n) {
    if (!root) return n;
    if (n->lo < root->lo) {
        root->left = insert_at(root->left, n);
        if (root->left->prio > root->prio) {
            tt_node *l = root->left;
            root->left = l->right;
            l->right = root;
            return l;
        }
    } else {
        root->right = insert_at(root->right, n);
        if (root->right->prio > root->prio) {
            tt_node *r = root->right;
            root->right = r->left;
            r->left = root;
            return r;
        }
    }
    return root;
}

tt_node *tt_insert(tt_table *t, const tt_node *from) {
    tt_node *n = new_node(t);
    if (!n) return NULL;
    *n = *from;
    n->left = n->right = NULL;
    n->prio = prio_of(n->lo);
    t->root = insert_at(t->root, n);
    t->count++;
    t->total += n->hi - n->lo;
    return n;
}

tt_node *tt_find(const tt_table *t, uintptr_t lo) {
    tt_node *n = t->root;
    while (n && n->lo != lo) n = lo < n->lo ? n->left : n->right;
    return n;
}

tt_node *tt_floor(const tt_table *t, uintptr_t key) {
    tt_node *best = NULL;
    for (tt_node *n = t->root; n;) {
        if (n->lo <= key) {
            best = n;
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return best;
}

tt_node *tt_above(const tt_table *t, uintptr_t key) {
    tt_node *best = NULL;
    for (tt_node *n = t->root; n;) {
        if (n->lo > key) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

tt_node *tt_overlapping(const tt_table *t, uintptr_t lo, uintptr_t hi) {
    /* One descent finds both neighbours of lo: the greatest node at or below it and the
       smallest above it. */
    tt_node *below = NULL, *above = NULL;
    for (tt_node *n = t->root; n;) {
        if (n->lo <= lo) {
            below = n;
            n = n->right;
        } else {
            above = n;
            n = n->left;
        }
    }
    if (below && below->hi > lo) return below;
    if (above && above->lo < hi) return above;
    return NULL;
}

static tt_node *merge(tt_node *a, tt_node *b) {
    if (!a) return b;
    if (!b) return a;
    if (a->prio > b->prio) {
        a->right = merge(a->right, b);
        return a;
    }
    b->left = merge(a, b->left);
    return b;
}

int tt_remove(tt_table *t, uintptr_t lo, tt_node *out) {
    tt_node **link = &t->root;
    while (*link && (*link)->lo != lo) link = lo < (*link)->lo ? &(*link)->left : &(*link)->right;
    tt_node *n = *link;
    if (!n) return 0;
    *link = merge(n->left, n->right);
    t->count--;
    t->total -= n->hi - n->lo;
    if (out) *out = *n;
    n->left = t->free_nodes;
    t->free_nodes = n;
    return 1;
}

static void walk(const tt_node *n, void (*fn)(const tt_node *, void *), void *arg) {
    for (; n; n = n->right) {
        walk(n->left, fn, arg);
        fn(n, arg);
    }
}

void tt_walk(const tt_table *t, void (*fn)(const tt_node *, void *), void *arg) {
    walk(t->root, fn, arg);
}

int tt_range_remove(tt_table *t, uintptr_t lo, uintptr_t hi) {
    tt_node *n;
    while (lo < hi && (n = tt_overlapping(t, lo, hi))) {
        tt_node old;
        tt_remove(t, n->lo, &old);
        tt_node part = {0};
        if (old.lo < lo) {
            part.lo = old.lo;
            part.hi = lo;
            if (!tt_insert(t, &part)) return -1;
        }
        if (old.hi > hi) {
            part.lo = hi;
            part.hi = old.hi;
            if (!tt_insert(t, &part)) return -1;
        }
    }
    return 0;
}

int tt_range_add(tt_table *t, uintptr_t lo, uintptr_t hi) {
    if (lo >= hi) return 0;
    if (tt_range_remove(t, lo, hi) < 0) return -1;
    tt_node *below = lo ? tt_floor(t, lo - 1) : NULL;
    if (below && below->hi == lo) {
        lo = below->lo;
        tt_remove(t, lo, NULL);
    }
    tt_node *above = tt_find(t, hi);
    if (above) {
        hi = above->hi;
        tt_remove(t, above->lo, NULL);
    }
    tt_node range = {.lo = lo, .hi = hi};
    return tt_insert(t, &range) ? 0 : -1;
}

int tt_range_covers(const tt_table *t, uintptr_t lo, uintptr_t hi) {
    const tt_node *n = tt_floor(t, lo);
    return n && n->hi >= hi && hi > lo;
}
