"""An allocator must get its memory from the system: one that hands malloc on to libc's own
allocator (by __libc_malloc, or by dlsym(RTLD_NEXT)) loses every test it serves malloc in, with
that reason named. The runtime reads libc's heap at the end of the test (test_runtime.c): it
stays empty when the slot serves malloc, since glibc's own allocations go through it too; and the
tracker, which every test runs under, sees the blocks come from memory the allocator never
obtained."""

import json
import re

import pytest

from grader.tests.make_test import CHEATS, ROOT, grade

REASON = ("libc-malloc: the allocator's memory came from libc's malloc (libc's heap grew to {} bytes): "
          "the slot must get memory from the system (sbrk/mmap), not from libc")


@pytest.mark.parametrize("cheat", ["libc_forwarding.c", "dlsym_next.c"])
def test_an_allocator_on_libcs_malloc_loses_the_malloc_tests(cheat, scratch):
    graded = grade((CHEATS / cheat).relative_to(ROOT), slot=scratch / "slot", tests="1-5,45", jobs=2)
    verdicts = graded.verdicts
    assert sorted(verdicts) == [1, 2, 3, 4, 5, 45], graded.stdout[-3000:]
    before, _, after = REASON.partition("{}")
    for number, line in verdicts.items():
        assert before in line and line.split(before)[1].split(" bytes")[0].replace(",", "").isdigit(), line
        assert after in line, line
        # The tracker (docs/tracker.md) names the first block it saw come from libc's heap.
        assert re.search(r"; the tracker: \w+\(\d+\) returned memory the allocator never obtained \(libc's heap\) "
                         r"at 0x[0-9a-f]+ \(", line), line
    assert graded.results["score"] == 0


def test_the_reference_leaves_libcs_heap_empty_in_every_test_and_mode(scratch):
    """Only the test program counts: the real programs a test runs on libc's allocator
    (hl_run_both) are other processes."""
    graded = grade(slot=scratch / "slot", jobs=2)
    assert graded.lost == set(), graded.stdout[-3000:]
    runs = [json.loads(p.read_text()) for p in (scratch / "slot" / "results").glob("*.*.json")]
    assert {p.split(".")[-2] for p in map(str, (scratch / "slot" / "results").glob("*.*.json"))} == {"static", "preload"}
    assert len(runs) > 110
    for run in runs:
        assert "main" in run["notes"] and not any(n.startswith("libc-heap") for n in run["notes"]), run["name"]


def test_a_debugging_layer_alone_may_stand_on_libcs_malloc(scratch):
    """A dmalloc layer graded alone defines no malloc: its base_malloc is libc's by design, and its
    tests are not failed for it."""
    graded = grade("grader/tests/dmalloc_only/dmalloc.cc", slot=scratch / "slot", tests="52-58", jobs=2)
    assert graded.verdicts and not any("libc-malloc" in line for line in graded.verdicts.values()), graded.stdout[-3000:]
    assert set(graded.verdicts.values()) == {"passed"}, graded.verdicts
