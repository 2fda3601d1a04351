"""The reference scores full marks; each broken allocator loses exactly the tests that catch
its bug. Each zoo file names what it must lose in a `//@ loses:` line (`all` for every test,
`none` for a correct allocator that the compiler must not break), and, for a bug whose effect
depends on thread scheduling, what it may also lose, and why, in a `//@ may-lose:` line.

A member that replaces debugging-layer functions alone (every ZOO_OWN_ it defines is a
DMALLOC_ one) is graded on the tests that use the layer: its other tests run the reference's
code alone, through zoo.h as the other members' tests do on every test."""

import re

import pytest

from grader import testcase as tc
from grader.tests.make_test import ROOT, ZOO, grade

MEMBERS = sorted(p for p in ZOO.glob("*.c"))
TESTS = [tc.parse(p) for p in (ROOT / "testcases").glob("[0-9][0-9][0-9]-*.c")]
ALL_TESTS = {t.number for t in TESTS}
LAYER_TESTS = {t.number for t in TESTS if "dmalloc" in t.needs}


def graded_tests(member):
    """The tests a member can lose: the layer's when it replaces only layer functions."""
    replaced = re.findall(r"^#define ZOO_OWN_(\w+)", member.read_text(), re.M)
    return LAYER_TESTS if replaced and all(f.startswith("DMALLOC_") for f in replaced) else ALL_TESTS


def expected_losses(member):
    """(tests it must lose, tests it may also lose) from the member's header."""
    text = member.read_text()
    m = re.search(r"^//@ loses: *(.*)$", text, re.M)
    assert m, f"{member.name} has no `//@ loses:` line"
    words = {"all": ALL_TESTS, "none": set()}
    loses = m.group(1).strip()
    must = words[loses] if loses in words else tc.parse_selection(loses)
    m = re.search(r"^//@ may-lose: *([-0-9,]+) +\(.+\)$", text, re.M)
    return must, tc.parse_selection(m.group(1)) if m else set()


def test_the_reference_scores_full_marks(scratch):
    graded = grade(slot=scratch / "slot", jobs=2)
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-2000:]
    assert graded.lost == set(), graded.stdout[-3000:]
    total = sum(t["max_score"] for t in graded.results["tests"])
    assert f"score: {total:g}/{total:g}" in graded.stdout
    assert {int(t["number"]) for t in graded.results["tests"]} == ALL_TESTS


@pytest.mark.parametrize("member", MEMBERS, ids=[m.stem for m in MEMBERS])
def test_a_broken_allocator_loses_exactly_its_tests(member, scratch):
    must, may = expected_losses(member)
    tests = graded_tests(member)
    assert must <= tests, f"{member.name} must lose tests it is not graded on: {sorted(must - tests)}"
    # RUBRIC=full, whatever the member defines: a member that lacks a family loses its tests.
    selection = None if tests == ALL_TESTS else ",".join(map(str, sorted(tests)))
    graded = grade(member.relative_to(ROOT), slot=scratch / "slot", rubric="full", tests=selection)
    verdicts = graded.verdicts
    assert set(verdicts) == tests, graded.stderr[-2000:]
    unexpected = {n: verdicts[n] for n in sorted(graded.lost - must - may)}
    survived = sorted(must - graded.lost)
    assert not unexpected and not survived, f"lost but should not: {unexpected}; should lose but passed: {survived}"
