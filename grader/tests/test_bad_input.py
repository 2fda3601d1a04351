"""Bad input gets one clear line and loses nothing already graded."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from grader.tests.make_test import ROOT, ZOO, grade, interruptible, write_testcase

PASSING = 'int main(void) { puts("ok"); return 0; }\n//! ok\n'


def test_a_missing_allocator_file_is_named(scratch):
    graded = grade("no/such/alloc.c", slot=scratch / "slot")
    assert graded.returncode != 0
    assert "ALLOC=no/such/alloc.c: no such file" in graded.stderr


def test_a_selection_naming_no_test_is_refused(scratch):
    graded = grade(slot=scratch / "slot", tests="999")
    assert graded.returncode != 0
    assert "T=999: no test numbered 999" in graded.stdout + graded.stderr
    assert graded.results == {}


def test_a_malformed_selection_is_refused(scratch):
    graded = grade(slot=scratch / "slot", tests="3-x")
    assert graded.returncode != 0
    assert "T=3-x: '3-x' is not a test number" in graded.stdout + graded.stderr


def test_a_submission_that_does_not_compile_is_reported_first(scratch):
    graded = grade((ZOO / "does_not_compile.c").relative_to(ROOT), slot=scratch / "slot", tests="1-3")
    first = graded.results["output"].splitlines()[0]
    assert first.startswith("NOT BUILT: grader/tests/zoo/does_not_compile.c does not compile")
    assert "error: expected expression" in first
    tests = graded.results["tests"]
    assert [t["number"] for t in tests] == ["1", "2", "3"]
    assert all(t["status"] == "failed" and t["output"].startswith(f"{t['name']}: not-built: ") for t in tests)
    heaplab_section = graded.stdout.split("= heaplab =")[-1]
    assert heaplab_section.splitlines()[1].startswith("NOT BUILT:")
    # One summary for the three tests, and nothing to debug.
    assert "NOT BUILT: 3 tests, 5 points\n" in graded.stdout
    assert "make gdb" not in graded.stdout and "alone:" not in graded.stdout


def test_a_malformed_testcase_names_its_line_and_costs_only_itself(scratch):
    cases = scratch / "testcases"
    write_testcase(cases, "001-fine.c", PASSING)
    write_testcase(cases, "002-typo.c", PASSING, **{"categroy": "basic"})
    write_testcase(cases, "003-fine.c", PASSING)
    graded = grade(slot=scratch / "slot", build=scratch / "build", testcases=cases)
    verdicts = graded.verdicts
    assert graded.lost == {2}
    assert f"{cases}/002-typo.c:2: expected `//@ key: value`" in graded.stdout
    assert "bad-testcase" in verdicts[2]


def test_a_hanging_test_times_out_and_the_others_are_graded(scratch):
    cases = scratch / "testcases"
    write_testcase(cases, "001-fine.c", PASSING)
    write_testcase(cases, "002-hangs.c", "#include <unistd.h>\nint main(void) { for (;;) pause(); }\n", timeout=1)
    write_testcase(cases, "003-fine.c", PASSING)
    graded = grade(slot=scratch / "slot", build=scratch / "build", testcases=cases)
    assert graded.lost == {2}
    assert "timeout" in graded.verdicts[2]
    result = json.loads((scratch / "slot" / "results" / "002-hangs.static.json").read_text())
    assert result["status"] == "timeout" and result["wall_time"] < 2.0


def test_a_fork_bomb_costs_its_own_test(scratch):
    cases = scratch / "testcases"
    write_testcase(cases, "001-fine.c", PASSING)
    write_testcase(cases, "002-forks.c", "#include <unistd.h>\nint main(void) { for (;;) fork(); }\n", timeout=2)
    write_testcase(cases, "003-fine.c", PASSING)
    graded = grade(slot=scratch / "slot", build=scratch / "build", testcases=cases)
    assert graded.lost == {2}
    # As root each test has a user of its own, whose processes the runner counts: a bomb is
    # stopped at its process limit at once, before it starves the tests beside it.
    expected = "crashed: reached its process limit (256 processes and threads)" if os.geteuid() == 0 else "timeout"
    assert expected in graded.verdicts[2]


def test_an_interrupted_run_keeps_its_results_marked_incomplete(scratch):
    cases = scratch / "testcases"
    write_testcase(cases, "001-fine.c", PASSING)
    write_testcase(cases, "002-slow.c", "#include <unistd.h>\nint main(void) { sleep(60); }\n", timeout=100)
    slot, build = scratch / "slot", scratch / "build"
    # Build through make, then drive the grader directly so the signal reaches pytest alone.
    grade(slot=slot, build=build, testcases=cases, tests="1")
    shutil.rmtree(slot / "results")
    argv = [sys.executable, "-m", "pytest", "-p", "grader.plugin", "--rootdir=.", "-q", f"--slot={slot}",
            f"--build={build}", str(cases)]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=interruptible)
    started = slot / "results" / "002-slow.static.json.tmp"
    deadline = time.monotonic() + 30
    while not (slot / "results" / "001-fine.static.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert "INCOMPLETE: 1 of 2 tests ran" in out
    results = json.loads((slot / "results" / "results.json").read_text())
    assert [t["number"] for t in results["tests"]] == ["1"]
    assert results["output"].startswith("INCOMPLETE")
    assert not started.exists()


def test_a_missing_dependency_prints_the_apt_line():
    # As a user who may not install, `make deps` says what to run instead.
    as_user = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if os.geteuid() == 0 else []
    # The Makefile alone, where that user can read it wherever the tree was cloned.
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o755)
    shutil.copy(ROOT / "Makefile", folder)
    done = subprocess.run(
        [*as_user, "make", "-s", "deps", "DEBIAN_PACKAGES=heaplab-no-such-package"],
        cwd=folder, capture_output=True, text=True, check=False,
    )
    shutil.rmtree(folder)
    assert done.returncode != 0
    assert "apt-get install -y heaplab-no-such-package" in done.stderr


def test_malformed_tests_count_in_the_maximum(scratch):
    cases = scratch / "testcases"
    write_testcase(cases, "001-fine.c", PASSING)
    write_testcase(cases, "002-typo.c", PASSING, points=5, categroy="basic")
    write_testcase(cases, "003-bad-points.c", PASSING, points="lots")
    graded = grade(slot=scratch / "slot", build=scratch / "build", testcases=cases)
    assert "score: 1/7 (2 malformed tests: see above)" in graded.stdout
    assert graded.results["output"].endswith("score: 1/7 (2 malformed tests: see above)")
    assert [t["max_score"] for t in graded.results["tests"]] == [1, 5, 1]
