"""A test that crashes or hangs is reported with where: the function that faulted and a short
backtrace, in both builds, a stack overflow named as one; and on a timeout, what was still
running."""

import pytest

from grader import postmortem
from grader import verdict as V
from grader.tests.make_test import ROOT, ZOO, grade, write_testcase

FIXTURES = ROOT / "grader" / "tests" / "fixtures"

CALLS_CALLOC = """#include <stdlib.h>
static void *make(void) { return calloc(4, 8); }
int main(void) { puts("before"); void *p = make(); free(p); puts("after"); return 0; }
//! before
//! after
"""

FREES_NULL = """#include <stdlib.h>
int main(void) { free(NULL); return 0; }
"""

# A program that finishes on libc's allocator and hangs on the slot's.
HANGS_ON_THE_SLOT = """static const char *const outputs[] = {NULL};
int main(void) {
    hl_run_both("sleeper", "[ %1$s = libc ] || exec sleep 60 2> sleeper.err.%1$s", outputs);
    return 0;
}
"""


def outputs(graded):
    return {int(t["number"]): t["output"] for t in graded.results["tests"]}


@pytest.fixture
def crashes(scratch):
    """The runaway calloc graded on one test of each build."""
    cases = scratch / "testcases"
    write_testcase(cases, "001-static.c", CALLS_CALLOC, mode="static")
    write_testcase(cases, "002-preload.c", CALLS_CALLOC, mode="preload")
    alloc = (FIXTURES / "runaway_calloc.c").relative_to(ROOT)
    return outputs(grade(alloc, slot=scratch / "slot", build=scratch / "build", testcases=cases))


@pytest.mark.parametrize("number", [1, 2], ids=["static", "preload"])
def test_a_runaway_recursion_is_named_a_stack_overflow(crashes, number):
    report = crashes[number]
    first = report.splitlines()[0]
    assert "crashed: Received signal SIGSEGV (Segmentation fault) in calloc (runaway_calloc.c:" in first, report
    assert "stack overflow: calloc ← calloc ← calloc … (" in first, report
    backtrace = report.split("backtrace (innermost first):\n")[1].splitlines()
    assert backtrace[0].split()[1] == "calloc" and "(runaway_calloc.c:" in backtrace[0], report
    # The outermost frames say where the recursion started: the test's own function.
    assert any(f" make (00{number}-" in line for line in backtrace), report
    assert len([line for line in backtrace if line.startswith("    #")]) <= postmortem.SHOWN_FRAMES


def test_a_crash_names_the_faulting_function(scratch):
    cases = scratch / "testcases"
    write_testcase(cases, "001-free-null.c", FREES_NULL, mode="static preload")
    alloc = (ZOO / "free_null_crash.c").relative_to(ROOT)
    report = outputs(grade(alloc, slot=scratch / "slot", build=scratch / "build", testcases=cases))[1]
    first = report.splitlines()[0]
    assert "Received signal SIGSEGV (Segmentation fault) in free (free_null_crash.c:7)" in first, report
    assert "stack overflow" not in report
    assert " main (001-free-null.c:" in report, report


def test_a_timeout_names_what_was_still_running(scratch):
    cases = scratch / "testcases"
    write_testcase(cases, "001-hangs.c", HANGS_ON_THE_SLOT, timeout=2)
    report = outputs(grade(slot=scratch / "slot", build=scratch / "build", testcases=cases))[1]
    first = report.splitlines()[0]
    assert "timeout: Test timeout expired: still running after 2 s; killed" in first, report
    assert "sleeper did not finish on the allocator under test (on libc's allocator it took 0." in first, report
    running = report.split("still running when killed:\n")[1].splitlines()
    assert "    sleep 60" in running and running[0].endswith("/001-hangs"), report


def test_without_notes_a_crash_is_still_a_crash():
    test = type("Test", (), {"exit": "0", "expected": [], "unordered": False, "timeout": 10})()
    result = {"status": "signaled", "signal": "SIGSEGV", "signal_description": "Segmentation fault",
              "exit_code": None, "output": "", "notes": ["main", "crash 11 zzz"]}
    judged = V.judge(test, result)
    assert (judged.verdict, judged.message, judged.details) == (
        V.CRASHED, "Received signal SIGSEGV (Segmentation fault)", [])
