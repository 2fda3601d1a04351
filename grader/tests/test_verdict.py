"""Every verdict, one row each: what the runner reported (its result dict, docs/results.md) and
the verdict grader/verdict.py decides from it, with the part of the message that says why."""

from pathlib import Path

import pytest

from grader import testcase as tc
from grader import verdict as V

TEST = "//@ category: basic\nint main(void) { return 0; }\n//! ok\n"


def result(**facts):
    """A runner result: a clean exit printing `ok` after main started, with `facts` changed."""
    base = {"status": "exited", "exit_code": 0, "signal": None, "signal_description": None,
            "wall_time": 0.01, "cpu_time": 0.01, "cpu_limit": [11, 12], "output": "ok\n",
            "output_bytes": 3, "output_truncated": False, "notes": ["main"], "still_running": [], "killed": False,
            "message": None}
    return {**base, **facts}


def signaled(signal, description, **facts):
    return result(status="signaled", exit_code=None, signal=signal, signal_description=description, **facts)


def tracked(*violations):
    """What grader/tracker.py reads from a run's records."""
    return {"violations": list(violations)}


def violation(kind, message, **caller):
    return {"kind": "violation", "pid": 2, "type": kind, "message": message, "caller": caller}


def overlap():
    return violation("overlap", "block 0x2020 of malloc(40) overlaps live block 0x2010 of malloc(24)",
                     module="/heaplab/test", offset="0x11a9", where="main (001-row.c:9)")


def misaligned():
    return violation("misaligned", "malloc(40) returned 0x2018, 8-byte aligned; 16 required")


def libc_block():
    return violation("not-obtained", "malloc(40) returned memory the allocator never obtained (libc's heap) at 0x2010")


ROWS = {
    "a clean exit with the expected output": (result(), {}, V.PASSED, ""),
    "another line printed": (result(output="ok\nmore\n"), {}, V.WRONG_OUTPUT, "output differs"),
    "the expected line missing": (result(output=""), {}, V.WRONG_OUTPUT, "output differs"),
    "a wrong exit status": (result(exit_code=3), {}, V.WRONG_EXIT, "exited with status 3; expected status 0"),
    "an abort where 0 was expected": (
        signaled("SIGABRT", "Aborted"), {}, V.CRASHED, "Received signal SIGABRT (Aborted)"),
    "an abort the test expects": (signaled("SIGABRT", "Aborted"), {"exit": "abort"}, V.PASSED, ""),
    "a failure the test expects, by abort": (signaled("SIGABRT", "Aborted"), {"exit": "fail"}, V.PASSED, ""),
    "a failure the test expects, by exit(1)": (result(exit_code=1), {"exit": "fail"}, V.PASSED, ""),
    "no failure where one is expected": (
        result(), {"exit": "fail"}, V.WRONG_EXIT, "expected a failure: abort (SIGABRT) or a nonzero status"),
    "a crash is no failure the test expects": (
        signaled("SIGSEGV", "Segmentation fault"), {"exit": "fail"}, V.CRASHED, "SIGSEGV"),
    "any signal the test expects": (signaled("SIGSEGV", "Segmentation fault"), {"exit": "signal"}, V.PASSED, ""),
    "a segfault": (signaled("SIGSEGV", "Segmentation fault"), {}, V.CRASHED, "SIGSEGV (Segmentation fault)"),
    "a SIGKILL below the CPU limit": (
        signaled("SIGKILL", "Killed", cpu_time=3.0), {}, V.CRASHED, "Received signal SIGKILL"),
    "the wall clock ran out": (
        result(status="timeout", exit_code=None, still_running=["./001 x"], killed=True), {}, V.TIMEOUT,
        "still running after 10 s; killed"),
    "the CPU soft limit (SIGXCPU)": (
        signaled("SIGXCPU", "CPU time limit exceeded", cpu_time=11.0), {}, V.TIMEOUT, "(cpu)"),
    "the CPU hard limit (SIGKILL)": (signaled("SIGKILL", "Killed", cpu_time=12.0), {}, V.TIMEOUT, "(cpu)"),
    "the CPU limit, even where a signal is expected": (
        signaled("SIGXCPU", "CPU time limit exceeded", cpu_time=11.0), {"exit": "signal"}, V.TIMEOUT, "(cpu)"),
    "too much output, the test ended": (
        result(status="output-limit", exit_code=None, output_bytes=2_000_000, output_truncated=True,
               message="output exceeded 1048576 bytes (2000000 written)"),
        {}, V.OUTPUT_LIMIT, "output limit exceeded (2000000 bytes)"),
    "a flood, killed": (
        result(status="output-limit", exit_code=None, output_bytes=9_000_000, output_truncated=True,
               killed=True, message="output exceeded 1048576 bytes (9000000 written); process group killed"),
        {}, V.OUTPUT_LIMIT, "(9000000 bytes); killed"),
    "fake passes printed before main": (
        result(output="ok\n", notes=[]), {}, V.BEFORE_MAIN,
        "the program ended before main: a constructor exited with status 0 after printing 1 line; the test never ran"),
    "a crash before main": (
        signaled("SIGSEGV", "Segmentation fault", output="", notes=[]), {"exit": "signal"}, V.BEFORE_MAIN,
        "a constructor crashed (SIGSEGV); the test never ran"),
    "a constructor that never returns": (
        result(status="timeout", exit_code=None, output="", notes=[]), {}, V.BEFORE_MAIN,
        "the program was still before main at its time limit (10 s): a constructor never returned"),
    "a constructor that spins to the CPU limit": (
        signaled("SIGXCPU", "CPU time limit exceeded", cpu_time=11.0, notes=[]), {}, V.BEFORE_MAIN,
        "still before main at its time limit"),
    "memory from libc's allocator": (
        result(notes=["main", "libc-heap 135168"]), {}, V.LIBC_MALLOC,
        "the allocator's memory came from libc's malloc (libc's heap grew to 135,168 bytes)"),
    "memory from libc's allocator in a forked child": (
        result(output="", notes=["main", "libc-heap 4096"]), {}, V.LIBC_MALLOC, "grew to 4,096 bytes"),
    "an overlap the tracker saw, the output right": (
        result(tracker=tracked(overlap())), {}, V.TRACKER,
        "the tracker saw 1 violation: block 0x2020 of malloc(40) overlaps live block 0x2010 of malloc(24) "
        "(called from main (001-row.c:9), pid 2)"),
    "an overlap the tracker saw outranks the crash it caused": (
        signaled("SIGSEGV", "Segmentation fault", tracker=tracked(overlap(), overlap())), {}, V.TRACKER,
        "the tracker saw 2 violations"),
    "a misaligned block outside the alignment tests": (result(tracker=tracked(misaligned())), {}, V.PASSED, ""),
    "a misaligned block in an alignment test": (
        result(tracker=tracked(misaligned())), {"category": "alignment"}, V.TRACKER, "8-byte aligned; 16 required"),
    "libc's heap, named by the tracker too": (
        result(notes=["main", "libc-heap 135168"], tracker=tracked(libc_block())), {}, V.LIBC_MALLOC,
        "not from libc; the tracker: malloc(40) returned memory the allocator never obtained (libc's heap)"),
    "a program that could not be run": (
        result(status="exec-failed", exit_code=None, message="cannot run ./001: Permission denied"),
        {}, V.NOT_BUILT, "cannot run ./001: Permission denied"),
}


@pytest.fixture
def testcase(tmp_path):
    path = tmp_path / "001-row.c"
    path.write_text(TEST)
    return tc.parse(path)


@pytest.mark.parametrize("facts, metadata, verdict, why", ROWS.values(), ids=ROWS.keys())
def test_the_runners_result_decides_the_verdict(testcase, facts, metadata, verdict, why):
    for key, value in metadata.items():
        setattr(testcase, key, value)
    judged = V.judge(testcase, facts)
    assert (judged.verdict, why in judged.message) == (verdict, True), judged.message


def test_a_limit_the_budget_cut_is_no_timeout_of_the_test(testcase):
    ran_out = result(status="timeout", exit_code=None, wall_time=4.2, killed=True)
    judged = V.judge(testcase, ran_out, budget_cut=300)
    assert (judged.verdict, judged.message, judged.summary) == (
        V.NOT_RUN, "not run to its end: the run's time budget of 300 s was spent 4.2 s into it "
        "(its own limit is 10 s)", "NOT RUN")
    assert V.judge(testcase, result(), budget_cut=300).verdict == V.PASSED  # it finished in time
    assert V.judge(testcase, ran_out).verdict == V.TIMEOUT


def test_the_cpu_timeout_says_how_much_cpu_it_used(testcase):
    judged = V.judge(testcase, signaled("SIGXCPU", "CPU time limit exceeded", cpu_time=11.02))
    assert judged.message.startswith("Test timeout expired (cpu): 11.0 s of CPU time, over its limit of 11 s")


BEFORE_RUNNING = {
    "a malformed test file": (V.bad_testcase("t/001-x.c:2: expected `//@ key: value`"), V.BAD_TESTCASE,
                              "t/001-x.c:2: expected"),
    "an allocator that does not compile": (V.slot_not_built("alloc/alloc.c"), V.NOT_BUILT,
                                           "alloc/alloc.c does not compile"),
    "a test program that did not compile": (V.not_built("001.c:3: error: x"), V.NOT_BUILT, "001.c:3: error: x"),
    "a test program missing without a log": (V.not_built(None), V.NOT_BUILT, "was not built (run `make test`)"),
    "a function the slot lacks": (V.missing_interface(["memalign", "valloc"]), V.MISSING_INTERFACE,
                                  "needs memalign, valloc, which the allocator does not define"),
    "a function with C++ linkage only": (V.missing_interface(["dmalloc_free"], {"dmalloc_free"}),
                                         V.MISSING_INTERFACE, "(dmalloc_free with C++ linkage"),
    "the run's time budget spent": (V.not_run(300), V.NOT_RUN, "not run: the run's time budget of 300 s was spent"),
    "the first tests never reached main": (
        V.like_before(1, "it exited with status 0 before main"), V.BEFORE_MAIN,
        "not run: like test 1, the allocator never let a program reach main (it exited with status 0 before main)"),
}


@pytest.mark.parametrize("judged, verdict, why", BEFORE_RUNNING.values(), ids=BEFORE_RUNNING.keys())
def test_a_test_that_cannot_run_has_its_verdict_too(judged, verdict, why):
    assert (judged.verdict, why in judged.message) == (verdict, True), judged.message


def test_every_verdict_is_a_constant_the_readme_lists():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert len(set(V.VERDICTS)) == 15
    assert [v for v in V.VERDICTS if f"`{v}`" not in readme] == []
