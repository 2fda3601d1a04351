/* tracker_table.c - the tracker's address-ordered tables (see tracker_table.h).
 *
 * A treap: a binary search tree on lo whose nodes are also heap-ordered on a hash of lo, so
 * its depth stays logarithmic whatever order the allocator hands out addresses in, without
 * the bookkeeping of a balanced tree. Nodes keep their parent, so that a node found through
 * the hash index is removed where it is: rotated down below its children (a constant number
 * of rotations on average) and unlinked, without a walk from the root, whose cache misses
 * dominated the cost of a free. Nodes come from 1 MiB chunks mapped with mmap and are recycled
 * through a free list; the index is remapped twice as large as it fills.
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

/* ---- the hash index ------------------------------------------------------------------------ */
static size_t slot_of(const tt_table *t, uintptr_t lo) {
    return (size_t)prio_of(lo) & (t->index_cap - 1);
}

static void index_put(tt_table *t, tt_node *n) {
    size_t i = slot_of(t, n->lo);
    while (t->index[i]) i = (i + 1) & (t->index_cap - 1);
    t->index[i] = n;
}

/* Makes room for one more node: the index stays at most half full. */
static int index_reserve(tt_table *t) {
    if (2 * (t->count + 1) <= t->index_cap) return 0;
    size_t old_cap = t->index_cap, cap = old_cap ? 2 * old_cap : 1024;
    tt_node **old = t->index, **fresh = tt_map(cap * sizeof *fresh, 0);
    if (!fresh) return -1;
    t->index = fresh;
    t->index_cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i]) index_put(t, old[i]);
    if (old) tt_unmap(old, old_cap * sizeof *old);
    return 0;
}

static size_t index_find(const tt_table *t, uintptr_t lo) {
    if (!t->index_cap) return SIZE_MAX;
    for (size_t i = slot_of(t, lo);; i = (i + 1) & (t->index_cap - 1)) {
        if (!t->index[i]) return SIZE_MAX;
        if (t->index[i]->lo == lo) return i;
    }
}

/* Empties slot i, moving back the entries after it that probing would no longer reach. */
static void index_delete(tt_table *t, size_t i) {
    size_t mask = t->index_cap - 1;
    t->index[i] = NULL;
    for (size_t j = (i + 1) & mask; t->index[j]; j = (j + 1) & mask) {
        size_t home = slot_of(t, t->index[j]->lo);
        /* The entry at j may move to the hole at i unless its home lies cyclically in (i, j]. */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            t->index[i] = t->index[j];
            t->index[j] = NULL;
            i = j;
        }
    }
}

/* ---- the treap ----------------------------------------------------------------------------- */
static void replace_child(tt_table *t, tt_node *parent, tt_node *old, tt_node *new) {
    if (!parent)
        t->root = new;
    else if (parent->left == old)
        parent->left = new;
    else
        parent->right = new;
    if (new) new->parent = parent;
}

/* Rotates x above its parent. */
static void rotate_up(tt_table *t, tt_node *x) {
    tt_node *p = x->parent;
    replace_child(t, p->parent, p, x);
    if (p->left == x) {
        p->left = x->right;
        if (p->left) p->left->parent = p;
        x->right = p;
    } else {
        p->right = x->left;
        if (p->right) p->right->parent = p;
        x->left = p;
    }
    p->parent = x;
}

tt_node *tt_insert(tt_table *t, const tt_node *from) {
    if (index_reserve(t) < 0) return NULL;
    tt_node *n = new_node(t);
    if (!n) return NULL;
    *n = *from;
    n->left = n->right = n->parent = NULL;
    n->prio = prio_of(n->lo);
    tt_node **link = &t->root;
    while (*link) {
        n->parent = *link;
        link = n->lo < (*link)->lo ? &(*link)->left : &(*link)->right;
    }
    *link = n;
    while (n->parent && n->prio > n->parent->prio) rotate_up(t, n);
    index_put(t, n);
    t->count++;
    t->total += n->hi - n->lo;
    return n;
}

tt_node *tt_find(const tt_table *t, uintptr_t lo) {
    size_t i = index_find(t, lo);
    return i == SIZE_MAX ? NULL : t->index[i];
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

int tt_remove(tt_table *t, uintptr_t lo, tt_node *out) {
    size_t i = index_find(t, lo);
    if (i == SIZE_MAX) return 0;
    tt_node *n = t->index[i];
    index_delete(t, i);
    while (n->left && n->right) rotate_up(t, n->left->prio > n->right->prio ? n->left : n->right);
    replace_child(t, n->parent, n, n->left ? n->left : n->right);
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
