"""The payload alignment a course requires is a setting: an allocator whose payloads are 8-byte
aligned loses only the alignment tests by default, with the shortfall named once at the top of
the report, and nothing under ALIGN=8."""

import re

import pytest

from grader import alignment
from grader import testcase as tc
from grader.tests.make_test import ROOT, grade

ALIGN8 = "grader/tests/zoo/align8.c"
ALIGNMENT_TESTS = {
    t.number for t in map(tc.parse, (ROOT / "testcases").glob("[0-9][0-9][0-9]-*.c")) if t.category == "alignment"
}
SHORTFALL = (
    "ALIGNMENT: the allocator returns 8-byte-aligned payloads; this course requires 16 (ALIGN=16); "
    "only the alignment tests fail for it"
)


def test_by_default_only_alignment_tests_lose_and_the_header_says_why(scratch):
    graded = grade(ALIGN8, slot=scratch / "slot", tests="1-30", jobs=2)
    assert graded.lost and graded.lost <= ALIGNMENT_TESTS, graded.stdout[-3000:]
    for t in graded.results["tests"]:
        if t["status"] == "failed":
            # The test's own check, or the tracker's where the test checks other functions.
            assert re.search(r"8-byte aligned; (the course requires 16|16 required)", t["output"]), t["output"]
    assert [line for line in graded.stdout.splitlines() if line.startswith("ALIGNMENT:")] == [SHORTFALL]
    # Among the lines above the table (a private build folder adds a WARNING there too).
    assert graded.results["output"].splitlines().count(SHORTFALL) == 1


def test_a_course_that_requires_8_loses_nothing(scratch):
    graded = grade(ALIGN8, slot=scratch / "slot", jobs=2, align=8)
    assert graded.returncode == 0 and graded.lost == set(), graded.stdout[-3000:]
    assert "ALIGNMENT:" not in graded.stdout


def test_a_course_alignment_above_the_allocator_s_fails_the_alignment_tests(scratch):
    graded = grade(slot=scratch / "slot", tests="7-12", align=64)
    # 7, 8 and 10 check the blocks they ask for; the tracker checks every malloc of 9, 11 and 12.
    assert graded.lost == {7, 8, 9, 10, 11, 12}
    assert "returns 16-byte-aligned payloads; this course requires 64 (ALIGN=64)" in graded.stdout
    # Both ways to rerun a failure keep the course's alignment.
    assert "rerun: make test T=7 ALIGN=64" in graded.stdout
    assert "alone: HEAPLAB_ALIGN=64 " in graded.stdout


def test_an_alignment_that_is_no_power_of_two_is_refused(scratch):
    graded = grade(slot=scratch / "slot", tests="7", align=12)
    assert graded.returncode != 0
    assert "--align 12: the payload alignment must be a power of two" in graded.stderr + graded.stdout


@pytest.mark.parametrize(
    "output, weakest",
    [
        ("ok\nFAIL: testcases/007-a.c:31: alignment: malloc(1) = 0x1008 is 8-byte aligned; the course requires 16\n", 8),
        ("FAIL: x.c:1: alignment: a = 0x4 is 4-byte aligned; the course requires 16\n"
         "FAIL: x.c:2: alignment: b = 0x8 is 8-byte aligned; the course requires 16", 4),
        ("FAIL: x.c:1: block 0x1008 is not aligned to 64", None),
        ("", None),
        (None, None),
    ],
)
def test_observed_reads_the_runtime_s_failure_line(output, weakest):
    assert alignment.observed(output) == weakest


def test_header_names_the_weakest_once():
    rows = [{"alignment": 8}, {"alignment": None}, {}, {"alignment": 4}]
    assert alignment.header(rows, 16).startswith("ALIGNMENT: the allocator returns 4-byte-aligned payloads")
    assert alignment.header([{}, {"alignment": None}], 16) is None
