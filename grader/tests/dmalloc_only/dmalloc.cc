// A debugging layer alone, as a CS61 student hands one in: C++, on base_malloc and base_free,
// defining the dmalloc_ functions of the handout's header but neither malloc nor dmalloc_realloc.
// The grader's own tests grade it (test_cs61_style.py): its dmalloc tests run, its plain malloc
// tests and whatever calls dmalloc_realloc are missing-interface.
#define M61_DISABLE 1
#include "dmalloc.hh"

#include <unordered_map>
#include <utility>

namespace {

struct header {
    size_t size;
    const char* file;
    long line;
};

dmalloc_statistics stats;
// Active blocks and their sites; the standard library allocates with libc's malloc here.
std::unordered_map<uintptr_t, header> active;
std::unordered_map<uintptr_t, bool> ever;

[[noreturn]] void bug(const char* file, long line, void* ptr, const char* why) {
    fprintf(stderr, "MEMORY BUG: %s:%ld: invalid free of pointer %p, %s\n", file, line, ptr, why);
    abort();
}

}  // namespace

void* dmalloc_malloc(size_t sz, const char* file, long line) {
    void* p = sz < (size_t) -1 / 2 ? base_malloc(sz ? sz : 1) : nullptr;
    if (!p) {
        ++stats.nfail;
        stats.fail_size += sz;
        return nullptr;
    }
    uintptr_t a = (uintptr_t) p;
    active[a] = header{sz, file, line};
    ever[a] = true;
    ++stats.nactive;
    stats.active_size += sz;
    ++stats.ntotal;
    stats.total_size += sz;
    if (!stats.heap_min || a < stats.heap_min) {
        stats.heap_min = a;
    }
    if (a + (sz ? sz : 1) > stats.heap_max) {
        stats.heap_max = a + (sz ? sz : 1);
    }
    return p;
}

void dmalloc_free(void* ptr, const char* file, long line) {
    if (!ptr) {
        return;
    }
    auto it = active.find((uintptr_t) ptr);
    if (it == active.end()) {
        bug(file, line, ptr, ever.count((uintptr_t) ptr) ? "double free" : "not allocated");
    }
    --stats.nactive;
    stats.active_size -= it->second.size;
    active.erase(it);
    base_free(ptr);
}

void* dmalloc_calloc(size_t nmemb, size_t sz, const char* file, long line) {
    if (sz && nmemb > (size_t) -1 / sz) {
        ++stats.nfail;
        stats.fail_size += (size_t) -1;
        return nullptr;
    }
    void* p = dmalloc_malloc(nmemb * sz, file, line);
    if (p) {
        memset(p, 0, nmemb * sz);
    }
    return p;
}

void dmalloc_get_statistics(dmalloc_statistics* st) {
    *st = stats;
}

void dmalloc_print_statistics() {
    printf("alloc count: active %10llu   total %10llu   fail %10llu\n", stats.nactive, stats.ntotal,
           stats.nfail);
    printf("alloc size:  active %10llu   total %10llu   fail %10llu\n", stats.active_size,
           stats.total_size, stats.fail_size);
}

void dmalloc_print_leak_report() {
    for (auto& [addr, h] : active) {
        printf("LEAK CHECK: %s:%ld: allocated object %p with size %zu\n", h.file, h.line,
               (void*) addr, h.size);
    }
}

void dmalloc_print_heavy_hitter_report() {
}
