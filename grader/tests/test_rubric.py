"""Rubrics (grader/rubric.py, rubrics/*.toml): which tests count, for how much, who sees them. A
correct allocator gets full marks on the rubric of its assignment; a family the rubric grades
and the slot lacks scores 0, named; a family it does not grade is out of the maximum."""

import pytest

from grader import rubric as R
from grader import testcase as tc
from grader.tests.make_test import DMALLOC_ONLY, ROOT, grade

SUITE = {t.number: t for t in map(tc.parse, tc.test_files(ROOT / "testcases"))}
# The reference allocator without its heap reports, and without the reference layer beside it:
# a correct submission of the malloc assignment.
MALLOC_ONLY = f"""#define malloc_stats hidden_malloc_stats
#define alloc_check_heap hidden_alloc_check_heap
#include "{ROOT / 'alloc' / 'alloc.c'}"
"""


def counted(rubric):
    return {n for n, t in SUITE.items() if rubric.counts(t)}


def needing(interface):
    return {n for n, t in SUITE.items() if interface in t.needs}


def write(path, text):
    path.write_text(text)
    return path


def test_the_presets_choose_by_interface():
    malloc, dmalloc, full = (R.load(name) for name in ("malloc", "dmalloc", "full"))
    assert counted(full) == set(SUITE)
    assert counted(dmalloc) == needing("dmalloc") and 110 in counted(dmalloc)
    assert counted(malloc) == set(SUITE) - needing("dmalloc") - needing("heap-report")
    assert needing("aligned") <= counted(malloc)
    for rubric in (malloc, dmalloc, full):
        assert rubric.performance == R.Performance(points=18, util=0.6, throughput=0.4)


def test_auto_is_what_the_slot_defines():
    assert R.auto({"malloc", "free", "calloc", "realloc"}).interfaces == {"malloc"}
    assert R.auto({"malloc", "free", "posix_memalign", "malloc_stats"}).interfaces == {"malloc", "aligned", "heap-report"}
    assert R.auto({"dmalloc_malloc", "dmalloc_free"}).interfaces == {"dmalloc"}
    assert R.auto(set()).interfaces == set(R.INTERFACES)  # not built: nothing is left out


def test_category_points_are_shared_and_visibility_set(tmp_path):
    path = write(tmp_path / "course.toml", """
interfaces = ["malloc", "aligned"]
categories = ["basic", "realloc", "threads"]
[category.realloc]
points = 20
visibility = "after_due_date"
[test.1]
points = 5
[test.17]
visibility = "hidden"
""")
    rubric = R.load(str(path), set(SUITE))
    in_play = counted(rubric)
    assert {SUITE[n].category for n in in_play} == {"basic", "realloc", "threads"} and 110 not in in_play
    points = rubric.points([SUITE[n] for n in in_play])
    realloc = [n for n in in_play if SUITE[n].category == "realloc"]
    assert sum(points[n] for n in realloc) == pytest.approx(20)
    first, second = realloc[:2]
    assert points[first] / points[second] == pytest.approx(SUITE[first].points / SUITE[second].points)
    assert points[1] == 5 and points[2] == SUITE[2].points
    assert rubric.visibility(17, "realloc") == "hidden"
    assert rubric.visibility(18, "realloc") == "after_due_date"
    assert rubric.visibility(1, "basic") == "visible"


@pytest.mark.parametrize("text, key", [
    ("interface = ['malloc']", "interface: unknown key"),
    ("categories = ['basics']", "categories: unknown name 'basics'"),
    ("interfaces = ['mallocs']", "interfaces: unknown name 'mallocs'"),
    ("[category.realloc]\npoint = 3", "category.realloc.point: unknown key"),
    ("[category.nope]\npoints = 3", "category: unknown name 'nope'"),
    ("[test.999]\npoints = 3", "test.999: no test numbered 999"),
    ("[test.12]\nvisibility = 'secret'", "test.12.visibility: expected one of visible, hidden"),
    ("[test.12]\npoints = 0", "test.12.points: expected a positive number"),
    ("[performance]\nutil = 0.5\nthroughput = 0.4", "performance: the weights add up to 0.9, not 1"),
    ("[performance]\nutil = 0.6\nspeed = 0.4", "performance.speed: unknown key"),
    ("[performance]\nutil_range = [0.5]", "performance.util_range: expected two numbers [low, high]"),
    ("[performance]\nthroughput_range = [2, 1]", "performance.throughput_range: expected the low end below"),
    ("[performance]\nutil_range = [0, 1.5]", "performance.util_range: expected a number between 0 and 1"),
    ("[performance]\ntraces = []", "performance.traces: expected a list of trace names"),
    ("[performance]\npoints = 0", "performance.points: expected a positive number"),
    ("interfaces = [", "file: not valid TOML"),
])
def test_a_mistake_in_a_rubric_names_the_file_and_the_key(tmp_path, text, key):
    path = write(tmp_path / "course.toml", text)
    with pytest.raises(R.RubricError) as raised:
        R.load(str(path), set(SUITE))
    assert str(raised.value).startswith(f"{path}: {key}")


def test_an_unknown_preset_is_a_usage_error(scratch):
    graded = grade(slot=scratch / "slot", tests="1", rubric="mallocc")
    assert graded.returncode != 0
    assert "RUBRIC=mallocc: name: no such preset; give one of auto, dmalloc, full, malloc" in graded.stdout + graded.stderr


def test_a_malloc_only_allocator_gets_full_marks_on_the_malloc_rubric(scratch):
    alloc = write(scratch / "alloc.c", MALLOC_ONLY)
    graded = grade(alloc, slot=scratch / "slot", jobs=2, rubric="malloc")
    results = graded.results
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) > 0, graded.stdout[-3000:]
    assert {int(t["number"]) for t in results["tests"]} == counted(R.load("malloc"))
    assert "RUBRIC malloc (rubrics/malloc.toml)" in results["output"]
    assert "RUBRIC=full counts them" in results["output"]


def test_by_default_a_malloc_only_allocator_is_graded_on_what_it_defines(scratch):
    alloc = write(scratch / "alloc.c", MALLOC_ONLY)
    graded = grade(alloc, slot=scratch / "slot", jobs=2, tests="1,9,52,111")
    assert graded.verdicts == {1: "passed", 9: "passed"}, graded.stdout[-3000:]
    assert "RUBRIC auto: alloc.c defines the C allocation family, the aligned family" in graded.stdout


def test_the_full_rubric_counts_what_a_malloc_only_allocator_lacks_as_zero(scratch):
    alloc = write(scratch / "alloc.c", MALLOC_ONLY)
    graded = grade(alloc, slot=scratch / "slot", jobs=2, tests="1,52,111", rubric="full")
    verdicts = graded.verdicts
    assert verdicts[1] == "passed", graded.stdout[-3000:]
    assert verdicts[52].startswith("052-dm-stats-initial: missing-interface: needs dmalloc_")
    assert verdicts[111].startswith("111-heap-stats-format: missing-interface: needs malloc_stats")
    assert graded.results["score"] == SUITE[1].points


def test_a_dmalloc_only_submission_is_graded_out_of_the_dmalloc_tests(scratch):
    graded = grade(DMALLOC_ONLY, slot=scratch / "slot", jobs=2, rubric="dmalloc")
    tests = graded.results["tests"]
    assert {int(t["number"]) for t in tests} == needing("dmalloc"), graded.stdout[-3000:]
    assert sum(t["max_score"] for t in tests) == sum(SUITE[n].points for n in needing("dmalloc"))
    assert "missing-interface: needs malloc" not in graded.stdout


def test_a_selection_the_rubric_leaves_out_is_a_usage_error(scratch):
    graded = grade(slot=scratch / "slot", tests="52", rubric="malloc")
    assert graded.returncode != 0
    assert "T=52: the rubric leaves out every test it names" in graded.stdout + graded.stderr


def test_by_default_an_allocator_that_does_not_build_is_graded_out_of_every_test(scratch):
    graded = grade(ROOT / "grader" / "tests" / "zoo" / "does_not_compile.c", slot=scratch / "slot", tests="1,52,111")
    assert set(graded.verdicts) == {1, 52, 111}
    assert all(" not-built: " in v for v in graded.verdicts.values()), graded.verdicts
    assert "RUBRIC auto: does_not_compile.c defines none of the families heaplab grades" in graded.results["output"]
