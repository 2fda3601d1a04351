"""`make gdb T=N` and `make valgrind T=N` run the test program under the tool, non-interactively
here: gdb reads its commands from standard input when that is not a terminal."""

import shutil
import subprocess

import pytest

from grader.tests.make_test import ROOT

TIMEOUT = 120


@pytest.fixture
def one_test(scratch):
    """make's arguments for a slot of its own and a folder holding test 1 alone, so that the tool
    waits for one test program to be built, not the suite."""
    cases = scratch / "testcases"
    cases.mkdir()
    shutil.copy(ROOT / "testcases" / "001-malloc-basic.c", cases)
    return [f"SLOT={scratch / 'slot'}", f"TESTCASES={cases}", "T=1"]


def make(target, args, stdin=None):
    return subprocess.run(
        ["make", "-s", "--no-print-directory", target, *args],
        cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )


def test_make_gdb_runs_the_test_under_gdb(one_test):
    done = make("gdb", one_test, stdin="run\nquit\n")
    assert done.returncode == 0, done.stderr
    assert "Reading symbols from " in done.stdout and "/slot/tests/001-malloc-basic" in done.stdout
    assert "ok: 20000 interleaved mallocs and frees, patterns intact" in done.stdout
    assert "exited normally]" in done.stdout


def test_make_valgrind_runs_the_test_under_memcheck_with_the_slots_malloc(one_test):
    done = make("valgrind", one_test)
    assert done.returncode == 0, done.stderr
    assert "Memcheck, a memory error detector" in done.stderr
    assert "ok: 20000 interleaved mallocs and frees, patterns intact" in done.stdout
    assert "ERROR SUMMARY: 0 errors" in done.stderr
    # Memcheck replaced no allocation: every malloc was the slot's.
    assert "total heap usage: 0 allocs, 0 frees, 0 bytes allocated" in done.stderr
