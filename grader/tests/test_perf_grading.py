"""The performance category inside `make test`: each trace an item worth its share of the rubric's
points, the per-trace table and the Perf index line in the report, report.html with its plots
beside the results, the category in every format, the driver in the box. A course folder of one
test and two small traces keeps each run short."""

import json
import re
import shutil

import pytest

from grader import performance, trace_gen
from grader.tests.make_test import DMALLOC_ONLY, LAYER_OK, MALLOC_OK, ROOT, ZOO, grade, scratch_dir, write_testcase

PERF_ZOO = ROOT / "grader" / "tests" / "perf_zoo"
TRACES = ("random-small-bal", "small-huge-bal")
PNG = b"\x89PNG\r\n\x1a\n"

# The runs share the harness and libc's driver under build/: one worker runs them (as
# test_performance.py's), so that no two build them at once.
pytestmark = pytest.mark.xdist_group("performance")


def course(directory, traces=TRACES):
    """One passing test and, in traces/, small generated traces: the folder's own traces are its
    performance category."""
    cases = directory / "testcases"
    write_testcase(cases, "001-plain.c", MALLOC_OK)
    trace_gen.generate(cases / "traces", seed=3, scale=0.05, names=list(traces))
    return cases


def perf_tests(graded):
    """{trace: its results.json entry} of the performance category."""
    return {t["name"].removeprefix("perf-"): t for t in graded.results.get("tests", []) if t["tags"] == ["performance"]}


def table(stdout):
    """{trace: [ops, util, glibc util, thru, points]} from the printed per-trace table."""
    lines = stdout.splitlines()
    rows = {}
    for line in lines[lines.index("performance:") + 2:]:
        if line.startswith("Perf index"):
            break
        if line.split()[0].endswith(".rep"):
            rows[line.split()[0].removesuffix(".rep")] = line.split()[1:]
    return rows


@pytest.fixture(scope="module")
def reference():
    """The reference graded on the course, with every format."""
    top = scratch_dir()
    cases = course(top)
    graded = grade(slot=top / "slot", testcases=cases, formats="autolab,prairielearn", performance=True)
    yield top, graded
    shutil.rmtree(top, ignore_errors=True)


def test_each_trace_is_an_item_worth_its_share_of_the_category(reference):
    _, graded = reference
    tests = perf_tests(graded)
    assert list(tests) == list(TRACES), graded.stdout[-3000:]
    assert [t["number"] for t in tests.values()] == ["P1", "P2"]
    for t in tests.values():
        assert t["status"] == "passed" and t["max_score"] == 9 and 0 < t["score"] <= 9, t
        assert re.fullmatch(r"utilization 0\.\d\d \(glibc \d\.\d\d\), throughput \d+\.\d\d x glibc's: "
                            r"\d\.\d\d of 9 points", t["output"]), t["output"]
    assert graded.results["score"] == pytest.approx(1 + sum(t["score"] for t in tests.values()), abs=1e-6)


def test_the_report_prints_the_per_trace_table_and_the_perf_index(reference):
    _, graded = reference
    out = graded.stdout
    assert "trace                         ops   util   libc   thru       points" in out
    rows = table(out)
    assert list(rows) == list(TRACES)
    points = {name: float(row[4].split("/")[0]) for name, row in rows.items()}
    assert points == {name: round(t["score"], 2) for name, t in perf_tests(graded).items()}
    index = re.search(r"^Perf index = (\d+) \(util\) \+ (\d+) \(thru\) = (\d+)/100$", out, re.M)
    assert index and abs(int(index[3]) - 100 * sum(points.values()) / 18) < 1, out[-2000:]
    assert "Perf index" in graded.results["output"]


def test_report_html_and_its_plots_are_written_beside_the_results(reference):
    top, graded = reference
    folder = top / "slot" / "results" / "performance"
    page = (folder / "report.html").read_text()
    assert f"report: {folder / 'report.html'}" in graded.stdout
    for name in TRACES:
        image = folder / f"{name}.rep.png"
        assert f'src="{name}.rep.png"' in page and f"<td>{name}.rep</td>" in page
        data = image.read_bytes()
        assert data[:8] == PNG and len(data) > 5000
    assert "Perf index = " in page


def test_every_format_carries_the_category(reference):
    top, graded = reference
    autolab = json.loads(graded.stdout.strip().splitlines()[-1])
    assert set(autolab["scores"]) == {"basic", "performance"}
    assert autolab["scores"]["performance"] == pytest.approx(sum(t["score"] for t in perf_tests(graded).values()))
    results = top / "slot" / "results"
    prairielearn = json.loads((results / "prairielearn.json").read_text())
    assert [t["name"] for t in prairielearn["tests"]] == ["001-plain", *(f"perf-{n}" for n in TRACES)]
    junit = (results / "junit.xml").read_text()
    assert all(f'name="perf-{n}' in junit for n in TRACES)


def test_the_driver_ran_in_the_box(reference):
    _, graded = reference
    assert "ISOLATION: " in graded.stdout and "UNBOXED" not in graded.stdout


@pytest.mark.skipif(not performance.valgrind_available(), reason="needs valgrind")
def test_deterministic_grading_gives_the_same_points_to_the_digit(scratch):
    cases = course(scratch)
    runs = [grade(slot=scratch / "slot", testcases=cases, performance=True, deterministic=True) for _ in range(2)]
    points = [{n: t["score"] for n, t in perf_tests(g).items()} for g in runs]
    assert list(points[0]) == list(TRACES) and all(0 < p < 9 for p in points[0].values()), runs[0].stdout[-2000:]
    assert points[0] == points[1]
    page = (scratch / "slot" / "results" / "performance" / "report.html").read_text()
    assert "Throughput: glibc's instruction counts over" in page


def test_a_slow_allocator_loses_throughput_points(reference, scratch):
    _, fast = reference
    slow = grade((ZOO / "first_fit_slow.c").relative_to(ROOT), slot=scratch / "slot", testcases=course(scratch),
                 performance=True)
    name = "random-small-bal"
    ratios = [float(table(g.stdout)[name][3]) for g in (slow, fast)]
    assert ratios[0] < 1 and ratios[0] < ratios[1] / 3, (ratios, slow.stdout[-2000:])
    util = float(table(slow.stdout)[name][1])
    assert perf_tests(slow)[name]["score"] < 9 * (0.6 * util + 0.4) - 0.5


def test_a_broken_allocator_loses_the_trace_it_breaks_and_no_other(scratch):
    graded = grade((PERF_ZOO / "crash_on_huge.c").relative_to(ROOT), slot=scratch / "slot",
                   testcases=course(scratch), performance=True)
    tests = perf_tests(graded)
    assert tests["random-small-bal"]["status"] == "passed" and tests["random-small-bal"]["score"] > 0
    broken = tests["small-huge-bal"]
    assert broken["status"] == "failed" and broken["score"] == 0
    assert broken["output"].startswith("perf-small-huge-bal: crashed: killed by signal 11 (Segmentation fault) "
                                       "during request 1 (line 5: a 0 "), broken["output"]
    assert "    killed by signal 11 (Segmentation fault)" in graded.stdout


def test_hidden_traces_show_their_verdict_alone(scratch):
    rubric = scratch / "course.toml"
    rubric.write_text('[performance]\nvisibility = "hidden"\n')
    graded = grade((PERF_ZOO / "crash_on_huge.c").relative_to(ROOT), slot=scratch / "slot",
                   testcases=course(scratch), rubric=rubric, performance=True)
    tests = perf_tests(graded)
    assert {n: t["visibility"] for n, t in tests.items()} == dict.fromkeys(TRACES, "hidden"), graded.stdout[-2000:]
    assert tests["random-small-bal"]["output"] == "passed" and tests["random-small-bal"]["score"] > 0
    assert tests["small-huge-bal"]["output"] == ("perf-small-huge-bal: failed (crashed); a hidden test: its expected "
                                                 "output and details are not shown")
    assert "Segmentation fault" not in graded.stdout + graded.results["output"]
    assert "Perf index" not in graded.stdout + graded.results["output"]


@pytest.mark.parametrize("weights, expected", [
    # Both measures above their ranges: each trace earns its whole share, whatever the weights.
    ("util = 0.25\nthroughput = 0.75\nutil_range = [0, 0.01]\nthroughput_range = [0, 0.001]", 10),
    # Utilization below its range's low end: only throughput's weight is earned.
    ("util = 0.25\nthroughput = 0.75\nutil_range = [0.999, 1]\nthroughput_range = [0, 0.001]", 7.5),
    ("util = 0.6\nthroughput = 0.4\nutil_range = [0.999, 1]\nthroughput_range = [0, 0.001]", 4),
])
def test_the_rubric_s_weights_and_ranges_set_the_points(scratch, weights, expected):
    rubric = scratch / "course.toml"
    rubric.write_text(f'[performance]\npoints = 10\ntraces = ["random-small-bal"]\n{weights}\n')
    graded = grade(slot=scratch / "slot", testcases=course(scratch), rubric=rubric, performance=True)
    tests = perf_tests(graded)
    assert list(tests) == ["random-small-bal"], graded.stdout[-2000:]
    assert (tests["random-small-bal"]["score"], tests["random-small-bal"]["max_score"]) == (expected, 10)


def test_a_trace_the_rubric_names_that_does_not_exist_stops_the_run(scratch):
    rubric = scratch / "course.toml"
    rubric.write_text('[performance]\ntraces = ["random-smal-bal"]\n')
    graded = grade(slot=scratch / "slot", testcases=course(scratch), rubric=rubric, performance=True)
    assert graded.returncode != 0
    assert "performance.traces: no trace named 'random-smal-bal'" in graded.stdout + graded.stderr


def test_a_debugging_layer_alone_has_no_performance_category(scratch):
    cases = course(scratch)
    write_testcase(cases, "002-layer.c", LAYER_OK, needs="dmalloc", category="statistics")
    graded = grade(DMALLOC_ONLY, slot=scratch / "slot", testcases=cases, performance=True)
    assert [t["name"] for t in graded.results["tests"]] == ["002-layer"], graded.stdout[-2000:]
    assert "performance:" not in graded.stdout


def test_the_box_hides_the_tree_from_the_driver(scratch):
    """The probe returns NULL when it can read its own source: run plainly it can, in the box not."""
    probe = PERF_ZOO / "sees_its_source.c"
    graded = grade(probe, slot=scratch / "slot", testcases=course(scratch), performance=True)
    assert {n: t["status"] for n, t in perf_tests(graded).items()} == dict.fromkeys(TRACES, "passed"), graded.stdout
    trace = scratch / "testcases" / "traces" / "small-huge-bal.rep"
    plain = performance.check(performance.slot_driver(scratch / "slot"), [trace])[trace.name]
    assert not plain["ok"] and "returned NULL" in plain["error"], plain


def test_a_driver_that_writes_into_the_results_is_a_cheat(scratch):
    results = scratch / "slot" / "results"
    source = (PERF_ZOO / "write_results.c").read_text().replace('"../zoo/zoo.h"', f'"{ZOO / "zoo.h"}"')
    cheat = scratch / "write_results.c"
    cheat.write_text(f'#define HEAPLAB_RESULTS "{results}"\n{source}')
    graded = grade(cheat, slot=scratch / "slot", testcases=course(scratch), performance=True)
    tests = perf_tests(graded)
    assert {n: t["score"] for n, t in tests.items()} == dict.fromkeys(TRACES, 0), graded.stdout[-2000:]
    for t in tests.values():
        assert t["output"].startswith(f"{t['name']}: cheat: wrote into the grader's results directory: "), t["output"]
    assert not (results / "report.html").exists()


def test_the_category_is_not_run_once_the_budget_is_spent(scratch):
    cases = course(scratch)
    write_testcase(cases, "002-sleeps.c", "#include <unistd.h>\nint main(void) { sleep(60); return 0; }\n",
                   timeout=60)
    graded = grade(slot=scratch / "slot", testcases=cases, performance=True, budget=8)
    tests = perf_tests(graded)
    assert list(tests) == list(TRACES), graded.stdout[-2000:]
    for t in tests.values():
        assert t["output"] == f"{t['name']}: not-run: not run: the run's time budget of 8 s was spent", t["output"]
