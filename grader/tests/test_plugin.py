"""The grader's options, and pytest's own, work as people expect on numbered tests."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from grader.tests.make_test import ROOT, grade, write_testcase

UID = '#include <unistd.h>\nint main(void) { printf("uid %d\\n", (int)getuid()); return 0; }\n//! uid ???\n'
FAILS = 'int main(void) { puts("wrong"); return 0; }\n//! right\n'


@pytest.fixture
def suite(scratch):
    """Three built tests: 001 passes, 002 fails, 003 passes (and is in another category)."""
    cases = scratch / "testcases"
    write_testcase(cases, "001-first.c", UID)
    write_testcase(cases, "002-broken.c", FAILS)
    write_testcase(cases, "003-third.c", UID, category="stress")
    grade(slot=scratch / "slot", build=scratch / "build", testcases=cases)
    return scratch


def run_grader(suite, *options):
    # A cache of its own: other pytest runs in this tree (the zoo's) rewrite the shared one.
    argv = [sys.executable, "-m", "pytest", "-p", "grader.plugin", "--rootdir=.", "-q",
            "-o", f"cache_dir={suite / 'cache'}", f"--slot={suite / 'slot'}", f"--build={suite / 'build'}",
            *options, str(suite / "testcases")]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def results(directory):
    return json.loads((directory / "results.json").read_text())


def ran(output):
    return [line.split()[0] for line in output.split("= heaplab =")[-1].splitlines() if line[:4].strip().isdigit()]


def test_table_score_and_results(suite):
    out = run_grader(suite)
    assert ran(out) == ["1", "2", "3"]
    assert "score: 2/3" in out
    data = results(suite / "slot" / "results")
    assert [(t["number"], t["status"]) for t in data["tests"]] == [("1", "passed"), ("2", "failed"), ("3", "passed")]
    assert data["score"] == 2


def test_results_option_chooses_the_directory(suite):
    run_grader(suite, f"--results={suite / 'elsewhere'}")
    assert results(suite / "elsewhere")["score"] == 2


def test_tests_option_selects_numbers(suite):
    out = run_grader(suite, "--tests=1,3")
    assert ran(out) == ["1", "3"] and "score: 2/2" in out


def test_keyword_and_marker_selection(suite):
    assert ran(run_grader(suite, "-k", "broken")) == ["2"]
    assert ran(run_grader(suite, "-m", "stress")) == ["3"]


def test_exitfirst_stops_and_says_incomplete(suite):
    out = run_grader(suite, "-x")
    assert ran(out) == ["1", "2"]
    assert "INCOMPLETE: 2 of 3 tests ran" in out


def test_last_failed_reruns_only_the_failure(suite):
    run_grader(suite)
    assert ran(run_grader(suite, "--lf")) == ["2"]


def test_junit_xml_has_one_case_per_test(suite):
    path = suite / "junit.xml"
    run_grader(suite, f"--junitxml={path}")
    cases = ET.parse(path).getroot().iter("testcase")
    assert [(c.get("name"), c.find("failure") is not None) for c in cases] == [
        ("001", False), ("002", True), ("003", False)]


def test_parallel_runs_grade_the_same(suite):
    out = run_grader(suite, "-n", "2")
    assert ran(out) == ["1", "2", "3"] and "score: 2/3" in out


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can run tests as another user")
def test_run_as_chooses_the_user(suite):
    def uid(output_dir, test="001-first"):
        return json.loads((output_dir / f"{test}.static.json").read_text())["output"]

    run_grader(suite)
    first, third = uid(suite / "slot" / "results"), uid(suite / "slot" / "results", "003-third")
    # Each test as a user of its own (docs/results.md): not root, nor nobody's id, which tests
    # running at the same time would share.
    assert first != third and {first, third}.isdisjoint({"uid 0\n", "uid 65534\n"})
    run_grader(suite, "--run-as=")
    assert uid(suite / "slot" / "results") == "uid 0\n"


def test_a_range_selects_the_tests_it_holds(suite):
    out = run_grader(suite, "--tests=1,700-799")
    assert ran(out) == ["1"] and "score: 1/1" in out
    assert ran(run_grader(suite, "--tests=2-900")) == ["2", "3"]


def test_a_selection_holding_no_test_is_refused(suite):
    out = run_grader(suite, "--tests=700-799")
    assert "T=700-799: no test numbered 700-799 (tests here: 1-3" in out
    assert ran(out) == []
