"""What a thread's heap in the reference holds that no block uses, and when it lets go: the
current spans of classes that hold no block make room before the heap takes a new region
(alloc.c's spans_release_idle), and the medium cache empties and stays off in a thread that
allocates medium blocks only now and then (mcache_count). The programs: fixtures/idle_spans.c
and fixtures/medium_cache.c."""

import re

from grader.tests.make_test import run_with_reference


def test_spans_that_hold_nothing_make_room_before_a_new_region():
    stats = run_with_reference("idle_spans.c", HEAPLAB_MMAP_THRESHOLD=str(1 << 20)).stderr
    m = re.search(r"malloc_stats: heap (\d+) bytes, (\d+) free", stats)
    assert m, stats
    in_use = int(m.group(1)) - int(m.group(2))
    # one 32 KiB region for the spans and the thread heap's own 4 KiB: at 2622b38, before
    # spans_release_idle, ten regions (331,776 bytes in use)
    assert in_use <= 40 << 10, stats


def cached_bytes(dump):
    return sum(int(size) for size in re.findall(r"^heap dump: 0x[0-9a-f]+ +(\d+) cached$", dump, re.M))


def test_medium_cache_serves_medium_heavy_threads_only():
    stderr = run_with_reference("medium_cache.c", HEAPLAB_HEAP_DUMP="1").stderr
    dumps = re.findall(r"^heap dump: begin\n(.*?)^heap dump: end$", stderr, re.M | re.S)
    assert len(dumps) == 3, stderr  # the two the program asks for, and the one at exit
    # at 2622b38, before mcache_count, 92-175 KB stayed cached after the small phase
    assert cached_bytes(dumps[0]) > 0, dumps[0]
    assert cached_bytes(dumps[1]) == 0, dumps[1]
