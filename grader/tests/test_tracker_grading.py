"""The tracker as the grader's oracle (docs/tracker.md, "Grading under it"): every test runs
under it, in both builds, and a test whose allocator it saw break the contract loses, the
violation named, though its output matched. Four tests of their own, each passed by a correct
allocator and each blind to the fault it is there to expose: only the tracker can fail them."""

import re

import pytest

from grader.tests.make_test import CHEATS, ROOT, grade, write_testcase

ZOO = ROOT / "grader" / "tests" / "tracker_zoo"

SUITE = {
    "001-two-blocks.c": ("basic", """#include <stdlib.h>
#include <string.h>
int main(void) {
    char *a = malloc(24), *b = malloc(40);
    if (!a || !b) return 1;
    memset(a, 1, 24);
    memset(b, 2, 40);
    free(a);
    free(b);
    puts("ok");
    return 0;
}
//! ok
"""),
    "002-realloc-grows.c": ("realloc", """#include <stdlib.h>
#include <string.h>
int main(void) {
    char *p = malloc(64);
    if (!p) return 1;
    memset(p, 7, 64);
    p = realloc(p, 4000);
    if (!p) return 1;
    free(p);
    puts("ok");
    return 0;
}
//! ok
"""),
    "003-usable-size.c": ("basic", """#include <malloc.h>
#include <stdlib.h>
int main(void) {
    void *p = malloc(100);
    if (!p) return 1;
    volatile size_t usable = malloc_usable_size(p);
    (void)usable;
    free(p);
    puts("ok");
    return 0;
}
//! ok
"""),
    "004-aligned-block.c": ("alignment", """#include <stdlib.h>
int main(void) {
    void *p = malloc(40);
    if (!p) return 1;
    free(p);
    puts("ok");
    return 0;
}
//! ok
"""),
}

LIBC_HEAP = (r"\[static\]: libc-malloc: .*; the tracker: malloc\(\d+\) returned memory the allocator never obtained "
             r"\(libc's heap\)|^003-usable-size: missing-interface")
# member: (the tests it loses, what the first line of each lost test's report says)
MEMBERS = {
    ZOO / "overlapping.c": ({1, 2, 3, 4}, r"^\d{3}-[-a-z]+ \[static\]: tracker: the tracker saw \d+ violations?: block 0x[0-9a-f]+ "
                           r"of malloc\(\d+\) overlaps live block 0x[0-9a-f]+ of malloc\(\d+\)"),
    # Misaligned everywhere, but the course's alignment is graded by the alignment tests alone.
    ZOO / "misaligned.c": ({4}, r"\[static\]: tracker: .*malloc\(\d+\) returned 0x[0-9a-f]+, 8-byte aligned; 16 required"),
    ZOO / "realloc_half.c": ({2}, r"\[static\]: tracker: .*realloc\(0x[0-9a-f]+, 4000\) returned 0x[0-9a-f]+ without the "
                            r"first 64 bytes of the block of malloc\(64\) \(called from main \(002-realloc-grows\.c:12\)"),
    ZOO / "usable_short.c": ({3}, r"\[static\]: tracker: .*malloc_usable_size\(0x[0-9a-f]+\) returned 99, less than the "
                            r"block's malloc\(100\)"),
    ZOO / "static_arena.c": (set(), None),
    ZOO / "mmap_each.c": (set(), None),
    # Neither defines malloc_usable_size: test 3 is missing-interface.
    CHEATS / "libc_forwarding.c": ({1, 2, 3, 4}, LIBC_HEAP),
    CHEATS / "dlsym_next.c": ({1, 2, 3, 4}, LIBC_HEAP),
}


def suite(scratch):
    cases = scratch / "tracked"
    for name, (category, body) in SUITE.items():
        write_testcase(cases, name, "#include <stdio.h>\n" + body, category=category, mode="static preload",
                       timeout=5)
    return cases


@pytest.mark.parametrize("member", MEMBERS, ids=[m.stem for m in MEMBERS])
def test_an_allocator_the_tracker_catches_loses_exactly_those_tests(member, scratch):
    loses, named = MEMBERS[member]
    graded = grade(member.relative_to(ROOT), slot=scratch / "slot", testcases=suite(scratch), build=scratch / "build",
                   rubric="full")
    assert set(graded.verdicts) == {1, 2, 3, 4}, graded.stdout[-3000:] + graded.stderr[-2000:]
    assert graded.lost == loses, graded.verdicts
    for number in loses:
        assert re.search(named, graded.verdicts[number]), graded.verdicts[number]


def test_the_preload_build_is_tracked_too(scratch):
    """The preload run of a test the static run passed: the overlap is found there as well."""
    cases = scratch / "tracked"
    write_testcase(cases, "001-two-blocks.c", "#include <stdio.h>\n" + SUITE["001-two-blocks.c"][1],
                   mode="preload", timeout=5)
    graded = grade((ZOO / "overlapping.c").relative_to(ROOT), slot=scratch / "slot", testcases=cases,
                   build=scratch / "build")
    assert re.search(r"^001-two-blocks \[preload\]: tracker: .* overlaps live block", graded.verdicts[1]), graded.verdicts


def test_without_the_tracker_only_the_output_is_judged(scratch):
    """TRACKER=0, the switch that measures its cost: the realloc that keeps half the block passes
    the test that never looks at the contents."""
    graded = grade((ZOO / "realloc_half.c").relative_to(ROOT), slot=scratch / "slot", testcases=suite(scratch),
                   build=scratch / "build", rubric="full", tracker=0, tests="2")
    assert graded.lost == set() and set(graded.verdicts) == {2}, graded.stdout[-3000:]
    assert not list((scratch / "slot" / "results").glob("*.tracker.jsonl"))


UNTOUCHED = """#include <stdlib.h>
int main(void) {
    void *blocks[64];
    for (int i = 0; i < 64; i++)
        if (!(blocks[i] = i % 4 ? malloc(8 + 24 * (size_t)i) : calloc(1, 8 + 24 * (size_t)i))) return 1;
    for (int i = 0; i < 64; i += 2) free(blocks[i]);
    for (int i = 1; i < 64; i += 2) blocks[i] = realloc(blocks[i], 2000);
    for (int i = 1; i < 64; i += 2) free(blocks[i]);
    puts("ok");
    return 0;
}
//! ok
"""


@pytest.mark.parametrize("member", ["tag_in_neighbour", None])
def test_a_test_that_asks_has_its_blocks_checked_for_writes_while_live(member, scratch):
    """`//@ tracker: payload`: a test that never writes into its blocks has the tracker fill them
    and check them at free and realloc. A free that writes its tag into the next block loses it,
    in both builds, the block and the byte named; the reference, whose bookkeeping stays in
    free blocks, keeps it."""
    cases = scratch / "untouched"
    write_testcase(cases, "001-untouched.c", "#include <stdio.h>\n" + UNTOUCHED, mode="static preload",
                   timeout=5, tracker="payload")
    alloc = (ZOO / f"{member}.c").relative_to(ROOT) if member else "alloc/alloc.c"
    graded = grade(alloc, slot=scratch / "slot", testcases=cases, build=scratch / "build")
    if member is None:
        assert graded.lost == set() and set(graded.verdicts) == {1}, graded.stdout[-3000:]
        return
    assert graded.lost == {1}, graded.stdout[-3000:]
    assert re.search(r"\[(static|preload)\]: tracker: .*block 0x[0-9a-f]+ of (malloc|calloc)\(\d+\) changed while "
                     r"live \(found at (free|realloc)\): byte [0-7] is 0xfe", graded.verdicts[1]), graded.verdicts[1]
