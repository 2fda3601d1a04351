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

from grader.tests.make_test import CHEATS, ROOT, ZOO, grade

# member: (the tests graded, the tests it must lose, what each lost test's verdict line says)
MEMBERS = {
    "fork_bomb": ("1,24", {24}, r"timeout: Test timeout expired"),
    "output_flood": ("1,24", {24}, r"output-limit: output limit exceeded"),
    "fill_disk": ("1,24", {24}, r"output-limit: disk limit reached"),
    "kill_parent": ("1,24", set(), None),
    "read_expectations": ("1,24", {24}, r"cheat: read the test's expectations from disk"),
    "write_results": ("1,24", {24}, r"cheat: wrote into the grader's results directory: .*results\.json"),
    # Boxed, it cannot tell a test from any other program: its bug (no block of a page or more)
    # costs what it costs the honest allocator with that bug.
    "name_switch": ("1,3", {1}, r"wrong-output|crashed"),
    "constructor_loop": ("1-3", {1, 2, 3}, r"before-main"),
    "hang_before_main": ("1-3", {1, 2, 3}, r"before-main"),
    "crash_before_main": ("1-3", {1, 2, 3}, r"before-main: .*crashed"),
    "fake_pass_before_main": ("1-3", {1, 2, 3}, r"before-main"),
    "libc_forwarding": ("1-3", {1, 2, 3}, r"libc-malloc: the allocator's memory came from libc's malloc"),
    "dlsym_next": ("1-3", {1, 2, 3}, r"libc-malloc: the allocator's memory came from libc's malloc"),
    "does_not_compile": ("1-3", {1, 2, 3}, r"not-built"),
}
# What a member may define before the trick: where the tree and the run's results are.
PLACES = {"read_expectations": "HEAPLAB_ROOT", "write_results": "HEAPLAB_RESULTS"}


def submission(member, scratch):
    """The member's file, or, for a member that must be told where to look, a copy that says."""
    path = ZOO / f"{member}.c" if member == "does_not_compile" else CHEATS / f"{member}.c"
    if member not in PLACES:
        return path.relative_to(ROOT)
    place = ROOT if member == "read_expectations" else scratch / "slot" / "results"
    text = path.read_text().replace('"../zoo/zoo.h"', f'"{ZOO / "zoo.h"}"')
    copy = scratch / f"{member}.c"
    copy.write_text(f'#define {PLACES[member]} "{place}"\n{text}')
    return copy


@pytest.mark.parametrize("member", MEMBERS)
def test_a_cheat_is_contained_named_and_gains_nothing(member, scratch):
    if member == "kill_parent" and os.geteuid() != 0:
        pytest.skip("kill(-1) from a test not run as another user could reach the grader's own processes")
    tests, loses, named = MEMBERS[member]
    start = time.monotonic()
    graded = grade(submission(member, scratch), slot=scratch / "slot", tests=tests, jobs=1, timeout=300)
    took = time.monotonic() - start
    # Contained: the run ended in time and wrote its reports, every test graded.
    assert graded.results, graded.stdout[-3000:] + graded.stderr[-2000:]
    wanted = {int(n) for part in tests.split(",") for n in _span(part)}
    assert set(graded.verdicts) == wanted, graded.stdout[-3000:]
    assert took < 120, f"{member} took {took:.0f} s to grade"
    # Gains nothing: it loses exactly the tests its trick touched; the others are graded as usual.
    assert graded.lost == loses, graded.stdout[-3000:]
    # Named: each lost test says what happened.
    for number in loses:
        assert re.search(named, graded.verdicts[number]), graded.verdicts[number]
    # The run's own results are the grader's, whatever the submission wrote.
    assert graded.results["score"] == sum(t["max_score"] for t in graded.results["tests"] if int(t["number"]) not in loses)


def _span(part):
    first, _, last = part.partition("-")
    return range(int(first), int(last or first) + 1)


def test_the_zoo_has_every_kind_of_cheat():
    members = {p.stem for p in CHEATS.glob("*.c")}
    assert members <= set(MEMBERS), f"cheats without an expectation here: {members - set(MEMBERS)}"
    assert len(MEMBERS) >= 12
