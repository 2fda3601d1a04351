/* symbolize.h - code addresses to `function file:line`, by binutils' addr2line.
 *
 * Frames are (module, offset) pairs as the tracker records them; addr2line runs once per
 * module for a batch of offsets. Where a module has no debug information the function is the
 * dynamic symbol the tracker found, else "??", and the location the module and offset.
 */
#ifndef HEAPLAB_SYMBOLIZE_H
#define HEAPLAB_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *module; /* borrowed from the caller */
    uint64_t offset;
    char *function; /* NULL until resolved, or when addr2line knew nothing */
    char *location; /* "file:line" */
} sym_entry;

typedef struct {
    sym_entry *entries;
    size_t count, cap;
    int sorted;
} symbolizer;

/* Adds a return address to resolve; its module string must outlive the symbolizer. */
int sym_add(symbolizer *s, const char *module, uint64_t offset);
/* Resolves everything added. */
void sym_resolve(symbolizer *s);
/* The entry of a return address added before sym_resolve. */
const sym_entry *sym_find(const symbolizer *s, const char *module, uint64_t offset);
void sym_free(symbolizer *s);

#endif
