"""The reports for course platforms (grader/report.py, grader/formats.py, grader/grade-submission):
Gradescope's results.json checked against Gradescope's documented format, PrairieLearn's
results.json, Autolab's last line; a hidden test's expectations in none of them; and the image's
entry point finding every kind of submission."""

import json
import os
import shutil
import subprocess
import zipfile

import pytest

from grader.tests.gradescope_format import check_gradescope, is_number
from grader.tests.make_test import ROOT, grade, write_testcase

SECRET = "the-hidden-expected-line"
PASSING = 'int main(void) { puts("ok"); return 0; }\n//! ok\n'
WRONG = 'int main(void) { puts("wrong"); return 0; }\n//! right\n'
HIDDEN = f'int main(void) {{ puts("not it"); return 0; }}\n//! {SECRET}\n'
# A malformed expected line (a regular expression that does not compile) the error would quote.
MALFORMED = f'int main(void) {{ return 0; }}\n//! ??{{[{SECRET}}}??\n'
RUBRIC = """
interfaces = ["malloc"]
[test.3]
visibility = "hidden"
[test.6]
visibility = "hidden"
[category.stress]
points = 10
visibility = "after_due_date"
"""

def check_prairielearn(results, gradescope):
    """PrairieLearn's external grading results: `gradable`, `score` from 0 to 1, and per test
    `name`, `points`, `max_points`, `output`; the same grade as Gradescope's."""
    assert results["gradable"] is True
    assert 0 <= results["score"] <= 1 and isinstance(results["output"], str)
    for test in results["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert is_number(test["points"]) and 0 <= test["points"] <= test["max_points"]
    total = sum(t["max_score"] for t in gradescope["tests"])
    assert results["score"] == pytest.approx(gradescope["score"] / total)
    assert [t["points"] for t in results["tests"]] == [t["score"] for t in gradescope["tests"]]


@pytest.fixture(scope="module")
def graded():
    """A suite of six on the reference, under a rubric hiding tests 3 and 6 and the stress category,
    with every format; graded once for the tests of this module (in the build tree, as the
    `scratch` fixture's directories are, for test programs running as users of their own)."""
    scratch = ROOT / "build" / "selftest" / f"formats-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    scratch.chmod(0o755)
    cases = scratch / "testcases"
    write_testcase(cases, "001-fine.c", PASSING)
    write_testcase(cases, "002-wrong.c", WRONG)
    write_testcase(cases, "003-hidden.c", HIDDEN)
    write_testcase(cases, "004-stress.c", PASSING, category="stress", points=3)
    write_testcase(cases, "005-stress-wrong.c", WRONG, category="stress")
    write_testcase(cases, "006-hidden-malformed.c", MALFORMED)
    (scratch / "course.toml").write_text(RUBRIC)
    done = grade(slot=scratch / "slot", build=scratch / "build", testcases=cases, rubric=scratch / "course.toml",
                 formats="autolab,prairielearn")
    yield scratch, done
    shutil.rmtree(scratch, ignore_errors=True)


def test_results_json_follows_gradescopes_format(graded):
    _, done = graded
    check_gradescope(done.results)
    visibility = {t["number"]: t["visibility"] for t in done.results["tests"]}
    assert visibility == {"1": "visible", "2": "visible", "3": "hidden", "4": "after_due_date", "5": "after_due_date",
                          "6": "hidden"}
    # The category's 10 points, shared 3 to 1 as the tests' own points are.
    assert {t["number"]: t["max_score"] for t in done.results["tests"]}["4"] == 7.5


def test_prairielearn_results_hold_the_same_grade(graded):
    scratch, done = graded
    check_prairielearn(json.loads((scratch / "slot" / "results" / "prairielearn.json").read_text()), done.results)


def test_the_autolab_line_is_last_and_adds_up(graded):
    _, done = graded
    last = done.stdout.rstrip("\n").splitlines()[-1]
    scores = json.loads(last)["scores"]
    assert scores == {"basic": 1, "stress": 7.5}
    assert sum(scores.values()) == done.results["score"]
    # Tests lost, yet nothing follows the line: make reports no error after it.
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_hidden_test_shows_no_expectation_anywhere(graded):
    scratch, done = graded
    results = scratch / "slot" / "results"
    for text in (done.stdout, (results / "results.json").read_text(), (results / "prairielearn.json").read_text(),
                 (results / "junit.xml").read_text()):
        assert SECRET not in text
    for number, verdict in ("3", "wrong-output"), ("6", "bad-testcase"):
        hidden = {t["number"]: t for t in done.results["tests"]}[number]
        assert hidden["status"] == "failed" and f"failed ({verdict}); a hidden test" in hidden["output"]
    # A visible test's failure still shows what it expected.
    assert "right" in {t["number"]: t for t in done.results["tests"]}["2"]["output"]


def test_an_unknown_format_is_a_usage_error(scratch):
    done = grade(slot=scratch / "slot", tests="1", formats="moodle")
    assert done.returncode != 0
    assert "FORMAT=moodle: unknown format 'moodle'" in done.stdout + done.stderr


def test_the_autograder_zip_holds_what_gradescope_runs(scratch):
    done = subprocess.run(["make", "-s", "autograder-zip", "RUBRIC=malloc", f"BUILD={scratch}"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(scratch / "autograder.zip") as z:
        names = set(z.namelist())
        assert {"setup.sh", "run_autograder", "rubric.env", "heaplab/Makefile", "heaplab/grader/grade-submission"} <= names
        assert "RUBRIC=malloc\n" in z.read("rubric.env").decode()
        assert z.getinfo("run_autograder").external_attr >> 16 & 0o111
    unnamed = subprocess.run(["make", "-s", "autograder-zip", f"BUILD={scratch}"], cwd=ROOT, capture_output=True, text=True)
    assert unnamed.returncode != 0 and "RUBRIC=" in unnamed.stderr


# ---- the image's entry point, in a root of its own (bubblewrap) --------------------------------

def in_a_container(scratch, mounts, env):
    """grader/grade-submission in a fresh root holding the system, this tree and `mounts`
    ({inside: host}), as the image runs it."""
    args = ["bwrap", "--tmpfs", "/", "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
            "--ro-bind", "/var/lib/dpkg", "/var/lib/dpkg", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin", "--proc", "/proc", "--dev", "/dev",
            "--tmpfs", "/tmp", "--bind", str(ROOT), str(ROOT)]
    for inside, host in mounts.items():
        args += ["--bind", str(host), inside]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return subprocess.run([*args, str(ROOT / "grader" / "grade-submission")], capture_output=True, text=True, timeout=900)


needs_bwrap = pytest.mark.skipif(not shutil.which("bwrap") or os.geteuid() != 0,
                                 reason="needs bubblewrap, run as root, to give grade-submission a root of its own")


@needs_bwrap
def test_the_entry_point_finds_a_dmalloc_only_submission_in_gradescopes_layout(scratch):
    (scratch / "submission").mkdir()
    (scratch / "results").mkdir()
    shutil.copy(ROOT / "grader" / "tests" / "dmalloc_only" / "dmalloc.cc", scratch / "submission")
    ran = in_a_container(scratch, {"/autograder": scratch}, {"RUBRIC": "dmalloc"})
    results = json.loads((scratch / "results" / "results.json").read_text())
    check_gradescope(results)
    numbers = {int(t["number"]) for t in results["tests"]}
    assert 52 in numbers and 110 in numbers and 1 not in numbers, ran.stdout[-2000:] + ran.stderr[-2000:]
    assert "RUBRIC dmalloc" in results["output"]


@needs_bwrap
def test_the_entry_point_joins_a_pair_and_writes_prairielearns_results(scratch):
    student = scratch / "student"
    student.mkdir()
    shutil.copy(ROOT / "alloc" / "alloc.c", student)
    shutil.copy(ROOT / "alloc" / "dmalloc.c", student)
    (scratch / "results").mkdir()
    ran = in_a_container(scratch, {"/grade/student": student, "/grade/results": scratch / "results"}, {})
    results = json.loads((scratch / "results" / "results.json").read_text())
    # Every test passes; the performance category's traces earn their share of their points.
    tests = results["tests"]
    assert results["gradable"] is True, ran.stdout[-2000:] + ran.stderr[-2000:]
    assert [t["name"] for t in tests if t["points"] < t["max_points"] and t["description"] != "performance"] == []
    assert any(t["description"] == "performance" for t in tests) and "Perf index = " in results["output"]
    got, most = sum(t["points"] for t in tests), sum(t["max_points"] for t in tests)
    assert results["score"] == pytest.approx(got / most, abs=1e-6) and results["score"] > 0.9
    assert "GRADED WITH /grade/student/dmalloc.c" in results["output"]
    assert "RUBRIC full" in results["output"]
