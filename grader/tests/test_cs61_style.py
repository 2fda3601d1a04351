"""A course's own tests and a student's debugging layer, as CS61 hands them out and in.

grader/tests/cs61_style holds tests written the way CS61's handouts write theirs (testNNN.c and
testNNN.cc, no `//@` lines, a heaplab.toml for their metadata, the handout header names, and a
decoy dmalloc.hh beside them that must not be used); grader/tests/dmalloc_only/dmalloc.cc is a
debugging layer alone, in C++, on base_malloc, with no malloc and no dmalloc_realloc.
"""

import pytest

from grader import testcase as tc
from grader.tests.make_test import DMALLOC_ONLY, ROOT, grade

CS61_STYLE = ROOT / "grader" / "tests" / "cs61_style"


def test_handout_names_number_the_tests_and_the_folder_gives_defaults(tmp_path):
    (tmp_path / "heaplab.toml").write_text('category = "leaks"\nneeds = "dmalloc"\npoints = 2\n')
    (tmp_path / "test007.cc").write_text("int main() {}\n//! hello\n")
    (tmp_path / "test008.c").write_text("//@ points: 5\n//@ exit: 0\nint main(void) { return 0; }\n")
    (tmp_path / "hhtest.cc").write_text("int main() {}\n")
    assert [f.name for f in tc.test_files(tmp_path)] == ["test007.cc", "test008.c"]
    first, second = (tc.parse(f) for f in tc.test_files(tmp_path))
    assert (first.number, first.name, first.category, first.needs, first.points) == (7, "test007", "leaks", ("dmalloc",), 2)
    assert first.exit == "any", "check.pl does not check the exit status"
    assert (second.points, second.exit) == (5, "0"), "a test's own //@ lines win over the folder's"
    assert first.build_name == f"{tmp_path.name}/test007"


def test_a_folder_without_category_or_with_an_unknown_key_is_a_bad_testcase(tmp_path):
    (tmp_path / "test001.c").write_text("int main(void) { return 0; }\n")
    with pytest.raises(tc.TestcaseError, match="heaplab.toml"):
        tc.parse(tmp_path / "test001.c")
    (tmp_path / "heaplab.toml").write_text('category = "leaks"\ncolour = "blue"\n')
    with pytest.raises(tc.TestcaseError, match="unknown key 'colour'"):
        tc.parse(tmp_path / "test001.c")


def test_handout_style_tests_pass_unchanged_on_the_reference(scratch):
    graded = grade(slot=scratch / "slot", build=scratch / "build", testcases=CS61_STYLE, jobs=2)
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-2000:]
    assert graded.verdicts == {1: "passed", 2: "passed", 3: "passed", 4: "passed"}


def test_a_dmalloc_only_slot_runs_its_tests_and_misses_what_it_lacks(scratch):
    graded = grade(DMALLOC_ONLY, slot=scratch / "slot", build=scratch / "build", testcases=CS61_STYLE, jobs=2)
    assert {n: v for n, v in graded.verdicts.items() if n != 3} == {1: "passed", 2: "passed", 4: "passed"}, graded.stdout[-3000:]
    assert "missing-interface: needs dmalloc_realloc," in graded.verdicts[3]


def test_a_dmalloc_only_slot_on_heaplabs_suite(scratch):
    graded = grade(DMALLOC_ONLY, slot=scratch / "slot", tests="1,52,53,59", jobs=2, rubric="full")
    verdicts = graded.verdicts
    assert verdicts[52] == verdicts[53] == "passed", graded.stdout[-3000:]
    assert "missing-interface: needs malloc, free, calloc, realloc," in verdicts[1]
    assert "missing-interface: needs dmalloc_realloc," in verdicts[59]
