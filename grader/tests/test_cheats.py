"""The cheat zoo: submissions that try to score without a working allocator, or to harm the run.
Each is the reference allocator plus one trick (grader/tests/cheats/). Graded on a few tests, each
must be contained (the run ends, with its reports, and the tests the trick does not touch are
graded as the reference's), named (each test the trick touched loses with a verdict that says
what happened) and never score above its honest score: it loses exactly the tests it cheated on,
or none where the box made the trick a no-op."""

import os
import re
import time

import pytest

from grader.tests.make_test import CHEATS, ROOT, ZOO, grade, write_testcase

# Three tests of their own, with short limits, so that a trick that hangs costs seconds: every
# trick but those before main acts on the one request that cannot be met, test 2's.
SUITE = {
    "001-blocks.c": ("""#include <stdlib.h>
#include <string.h>
int main(void) {
    char *big = malloc(100000), *small = malloc(24);
    if (!big || !small) { puts("a malloc returned NULL"); return 1; }
    memset(big, 1, 100000);
    memset(small, 2, 24);
    free(big);
    free(small);
    puts("ok: blocks");
    return 0;
}
//! ok: blocks
"""),
    "002-huge.c": ("""#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
int main(void) {
    volatile size_t huge = SIZE_MAX;
    errno = 0;
    void *p = malloc(huge);
    puts(p ? "a block" : errno == ENOMEM ? "NULL, ENOMEM" : "NULL");
    return 0;
}
//! NULL, ENOMEM
"""),
    "003-free-null.c": ('#include <stdlib.h>\nint main(void) { free(NULL); puts("ok"); return 0; }\n//! ok\n'),
}

# member: (the tests it must lose, what each lost test's verdict line says)
MEMBERS = {
    # As root, the runner stops a bomb at its process limit; unprivileged, at its time limit.
    "fork_bomb": ({2}, r"crashed: reached its process limit|timeout: Test timeout expired"),
    "output_flood": ({2}, r"output-limit: output limit exceeded"),
    "fill_disk": ({2}, r"output-limit: disk limit reached"),
    "kill_parent": (set(), None),
    "read_expectations": ({2}, r"cheat: read the test's expectations from disk"),
    "write_results": ({2}, r"cheat: wrote into the grader's results directory: .*results\.json"),
    # Boxed, it cannot tell a test from any other program: its bug (no block of a page or more)
    # costs what it costs the honest allocator with that bug.
    "name_switch": ({1}, r"wrong-output"),
    "constructor_loop": ({1, 2, 3}, r"before-main"),
    "hang_before_main": ({1, 2, 3}, r"before-main"),
    "crash_before_main": ({1, 2, 3}, r"before-main: .*crashed"),
    "fake_pass_before_main": ({1, 2, 3}, r"before-main"),
    "libc_forwarding": ({1, 2, 3}, r"libc-malloc: the allocator's memory came from libc's malloc"),
    "dlsym_next": ({1, 2, 3}, r"libc-malloc: the allocator's memory came from libc's malloc"),
    "does_not_compile": ({1, 2, 3}, r"not-built"),
}
# What a member must be told before its trick: where test 2's source and the run's results are.
PLACES = {"read_expectations": "HEAPLAB_TEST_SOURCE", "write_results": "HEAPLAB_RESULTS"}


def suite(scratch):
    cases = scratch / "testcases"
    for name, body in SUITE.items():
        write_testcase(cases, name, "#include <stdio.h>\n" + body, timeout=3)
    return cases


def submission(member, scratch, cases):
    """The member's file, or, for a member that must be told where to look, a copy that says."""
    path = ZOO / f"{member}.c" if member == "does_not_compile" else CHEATS / f"{member}.c"
    if member not in PLACES:
        return path.relative_to(ROOT)
    place = cases / "002-huge.c" if member == "read_expectations" else scratch / "slot" / "results"
    text = path.read_text().replace('"../zoo/zoo.h"', f'"{ZOO / "zoo.h"}"')
    copy = scratch / f"{member}.c"
    copy.write_text(f'#define {PLACES[member]} "{place}"\n{text}')
    return copy


@pytest.mark.parametrize("member", MEMBERS)
def test_a_cheat_is_contained_named_and_gains_nothing(member, scratch):
    if member == "kill_parent" and os.geteuid() != 0:
        pytest.skip("kill(-1) from a test not run as another user could reach the grader's own processes")
    loses, named = MEMBERS[member]
    cases = suite(scratch)
    start = time.monotonic()
    graded = grade(submission(member, scratch, cases), slot=scratch / "slot", testcases=cases,
                   build=scratch / "build", rubric="full", timeout=300)
    took = time.monotonic() - start
    # Contained: the run ended in time and wrote its reports, every test graded.
    assert graded.results, graded.stdout[-3000:] + graded.stderr[-2000:]
    assert set(graded.verdicts) == {1, 2, 3}, graded.stdout[-3000:]
    assert took < 60, f"{member} took {took:.0f} s to grade"
    # Gains nothing: it loses exactly the tests its trick touched; the others are graded as usual.
    assert graded.lost == loses, graded.stdout[-3000:]
    # Named: each lost test says what happened.
    for number in loses:
        assert re.search(named, graded.verdicts[number]), graded.verdicts[number]
    # The run's own results are the grader's, whatever the submission wrote.
    assert graded.results["score"] == sum(t["max_score"] for t in graded.results["tests"] if int(t["number"]) not in loses)


def test_the_zoo_has_every_kind_of_cheat():
    members = {p.stem for p in CHEATS.glob("*.c")}
    assert members <= set(MEMBERS), f"cheats without an expectation here: {members - set(MEMBERS)}"
    assert len(MEMBERS) >= 12
