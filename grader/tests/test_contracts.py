"""Contracts with one definition: which tests have a preload build is what the parser reads,
whichever form of `//@ mode:` a test uses and whether its folder's heaplab.toml gives it."""

import subprocess

from grader import testcase as tc
from grader.tests.make_test import ROOT

PLAIN = "int main(void) { return 0; }\n"


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def make_variable(name, **variables):
    """The value `make` gives a variable of the Makefile, nothing being built."""
    args = ["make", "-n", "-p", "--no-print-directory", "deps-check", *[f"{k}={v}" for k, v in variables.items()]]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    line = next(line for line in done.stdout.splitlines() if line.startswith(f"{name} :="))
    return line.split(":=", 1)[1].split()


def test_every_spelling_of_preload_has_a_preload_build(scratch):
    cases = scratch / "testcases"
    write(cases, "001-spaced.c", "//@ category: basic\n//@ mode: static preload\n" + PLAIN)
    write(cases, "002-tight.c", "//@ category: basic\n//@mode:preload\n" + PLAIN)
    write(cases, "003-comma.c", "//@ category: basic\n//@ mode: static,preload  // both\n" + PLAIN)
    write(cases, "004-static.c", "//@ category: basic\n" + PLAIN)
    write(cases, "005-broken.c", "//@ category: basic\n//@ mode: preload\n//@ mode: static\n" + PLAIN)
    expected = ["001-spaced", "002-tight", "003-comma"]
    assert tc.preload_tests(cases) == expected
    assert make_variable("PRELOAD_NAMES", TESTCASES=cases) == expected


def test_a_folders_heaplab_toml_gives_its_tests_a_preload_build(scratch):
    course = scratch / "cs61"
    write(course, "heaplab.toml", 'category = "statistics"\nmode = "preload"\n')
    write(course, "test001.c", PLAIN)
    write(course, "test002.cc", PLAIN)
    assert make_variable("PRELOAD_NAMES", TESTCASES=course) == ["test001", "test002"]


def test_a_folder_that_does_not_exist_has_no_preload_tests(scratch):
    assert tc.preload_tests(scratch / "nowhere") == []
