"""The reference's medium heap grows only when no free block fits: a block that realloc grows at
the top of the heap moves into a free block below rather than extend the heap (alloc.c's
heap_resize). The program and what it prints: fixtures/heap_growth.c."""

import re

from grader.tests.make_test import run_with_reference


def test_realloc_at_the_top_moves_into_free_room():
    done = run_with_reference("heap_growth.c", HEAPLAB_MMAP_THRESHOLD=str(1 << 20))
    assert done.stderr == "", done
    m = re.fullmatch(r"(moved|stayed) at (\d+) bytes, the heap grew (\d+)\n", done.stdout)
    assert m, done.stdout
    assert (m.group(1), m.group(3)) == ("moved", "0"), done.stdout
