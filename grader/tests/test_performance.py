"""The performance category: the trace driver catches broken allocators trace by trace, the
scores follow the rubric's formula, the generator and the recorder make traces the driver reads,
and the deterministic mode gives the same count twice."""

import functools
import shutil
import subprocess

import pytest

from grader import performance, trace_gen, trace_record
from grader.tests.make_test import ROOT

PERF_TRACES = ROOT / "grader" / "tests" / "perf_traces"

# One worker builds each driver once (make check runs with -n 2 --dist loadgroup): two workers
# building the same slot at once would race on its files.
pytestmark = pytest.mark.xdist_group("performance")


@functools.lru_cache(maxsize=None)
def driver(alloc):
    """The trace driver linked with the allocator `alloc` (and libc's), built by make into a slot
    of the self-tests' own."""
    slot = ROOT / "build" / "selftest" / "perf" / alloc.replace("/", "_")
    subprocess.run(
        ["make", "-s", "--no-print-directory", "perf-programs", f"ALLOC={alloc}", f"SLOT={slot}"],
        cwd=ROOT, check=True, capture_output=True,
    )
    return performance.slot_driver(slot)


LIBC = ROOT / "build" / "harness" / "trace_driver_libc"


def write_trace(path, lines, header=("0", "100", "0", "1")):
    path.write_text("\n".join([*header, *lines]) + "\n")
    return path


def run(drv, *traces, options=()):
    return performance.run_driver(drv, traces, *options)


@pytest.fixture(scope="module")
def traces(tmp_path_factory):
    """The generated families, small."""
    return {p.stem: p for p in trace_gen.generate(tmp_path_factory.mktemp("traces"), seed=3, scale=0.05)}


# ---- reading traces ---------------------------------------------------------------------------


def test_the_header_variants_and_heaplab_requests_are_read(scratch):
    four = PERF_TRACES / "short1-bal.rep"
    three = write_trace(scratch / "three.rep", ["a 0 24", "c 1 10 33", "f -1", "r 1 70000", "f 0", "f 1"],
                        header=("2", "6", "1"))
    commented = write_trace(scratch / "commented.rep", ["# a comment", "", "a 0 5  ", "f 0"], header=("1", "2"))
    results = run(driver("alloc/alloc.c"), four, three, commented)
    assert [results[n]["ops"] for n in ("short1-bal.rep", "three.rep", "commented.rep")] == [9, 6, 2]
    assert all(r["ok"] for r in results.values()), results


@pytest.mark.parametrize("line, why", [
    ("x 1 2", "expected `a ID SIZE`"),
    ("a 1", "expected `a ID SIZE`"),
    ("a 99999999999 8", "id out of range"),
])
def test_a_malformed_trace_is_named_with_its_line(scratch, line, why):
    bad = write_trace(scratch / "bad.rep", ["a 0 8", line])
    result = run(driver("alloc/alloc.c"), bad)["bad.rep"]
    assert not result["ok"] and f"bad trace: line 6: {why}" in result["error"]


def test_a_trace_that_frees_a_dead_id_is_a_bad_trace(scratch):
    bad = write_trace(scratch / "dead.rep", ["a 0 8", "f 0", "f 0"])
    result = run(driver("alloc/alloc.c"), bad)["dead.rep"]
    assert result["error"] == "request 3 (line 7: f 0): bad trace: id 0 is not live"


# ---- the reference and libc ---------------------------------------------------------------


def test_the_reference_and_libc_pass_every_trace(traces):
    for drv in (driver("alloc/alloc.c"), LIBC):
        results = run(drv, *traces.values(), *sorted((ROOT / "testcases" / "traces").glob("*.rep")))
        assert all(r["ok"] for r in results.values()), results
        assert all(0 < r["util"] <= 1 for r in results.values())


def test_utilization_is_the_same_on_every_run(traces):
    first, second = (run(driver("alloc/alloc.c"), *traces.values()) for _ in range(2))
    assert {n: r["util"] for n, r in first.items()} == {n: r["util"] for n, r in second.items()}


# ---- broken allocators --------------------------------------------------------------------


@pytest.mark.parametrize("alloc, lines, message", [
    ("grader/tests/zoo/overlap.c", [f"a {i} {48 + i % 17}" for i in range(200)], "overlaps the live block of id"),
    ("grader/tests/zoo/align8.c", ["a 0 8", "a 1 33", "a 2 17"], "which is not 16-byte aligned"),
    ("grader/tests/zoo/realloc_no_copy.c", ["a 0 100", "a 1 100", "r 0 5000", "f 0", "f 1"],
     "realloc from 100 to 5000 bytes did not keep the contents"),
    ("grader/tests/cheats/libc_forwarding.c", ["a 0 50", "a 1 150"],
     "which is not inside memory the allocator obtained with sbrk, brk, mmap or mremap"),
    ("grader/tests/perf_zoo/scribble.c", [*(f"a {i} 32" for i in range(200)), *(f"f {i}" for i in range(200))],
     "changed while it was live: byte 0 differs (found as it was freed)"),
    ("grader/tests/perf_zoo/null_when_busy.c", [f"a {i} 32" for i in range(1100)], "malloc(32) returned NULL"),
])
def test_the_driver_catches_a_broken_allocator(scratch, alloc, lines, message):
    trace = write_trace(scratch / "t.rep", lines)
    result = run(driver(alloc), trace)["t.rep"]
    assert not result["ok"] and message in result["error"], result
    assert run(driver("alloc/alloc.c"), trace)["t.rep"]["ok"]


def test_an_allocator_aligned_to_8_passes_when_the_course_asks_for_8(scratch):
    trace = write_trace(scratch / "t.rep", ["a 0 8", "a 1 33", "a 2 17"])
    assert run(driver("grader/tests/zoo/align8.c"), trace, options=("--align", 8))["t.rep"]["ok"]


def test_a_crash_costs_only_the_trace_it_happens_in(traces):
    results = run(driver("grader/tests/perf_zoo/crash_on_huge.c"), *traces.values())
    crashed = {n for n, r in results.items() if not r["ok"]}
    assert crashed == {"small-huge-bal.rep"}
    error = results["small-huge-bal.rep"]["error"]
    assert error.startswith("killed by signal 11 (Segmentation fault) during request 1 (line 5: a 0 ")


def test_an_allocator_that_never_frees_loses_utilization_as_traces_lengthen(tmp_path):
    short, long = (tmp_path / f"{n}.rep" for n in (1000, 10000))
    for path in (short, long):  # 100 blocks live at a time, each replaced in turn
        n = int(path.stem)
        write_trace(path, [line for i in range(n) for line in (f"a {i} 4000", *([f"f {i - 100}"] if i >= 100 else []))])
    never = [run(driver("grader/tests/zoo/never_reuse.c"), t)[t.name]["util"] for t in (short, long)]
    reference = run(driver("alloc/alloc.c"), long)[long.name]["util"]
    assert never[1] < never[0] / 2
    assert never[1] < reference / 2


def test_a_slow_allocator_scores_lower_throughput_than_the_reference(traces):
    trace = [traces["random-small-bal"]]
    ratios = []
    for alloc in ("grader/tests/zoo/first_fit_slow.c", "alloc/alloc.c"):
        (slot, libc), = performance.time_interleaved(driver(alloc), LIBC, trace).values()
        ratios.append(libc / slot)
    assert ratios[0] < ratios[1] / 3


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind")
def test_instruction_counts_are_the_same_on_every_run(traces, tmp_path):
    counts = [performance.count_instructions(driver("alloc/alloc.c"), traces["binary-bal"], tmp_path)
              for _ in range(2)]
    assert isinstance(counts[0], int) and counts[0] > 10000 and counts[0] == counts[1]


# ---- the score --------------------------------------------------------------------------------


def row(util, ratio, error=None):
    return performance.Row(trace="t", ops=1, util=util, ratio=ratio, error=error)


def test_a_trace_earns_the_weighted_sum_with_throughput_capped_at_libc():
    rows = [row(0.5, 2.0), row(1.0, 0.25), row(0.9, 1.0, error="crashed")]
    weights = performance.Weights()
    for r in rows:
        r.points = 0 if r.error else weights.util * r.util + weights.thru * min(1, r.ratio)
    assert performance.perf_index(rows) == pytest.approx((60 * 1.5 / 3, 40 * 1.25 / 3, 30 + 50 / 3))
    assert performance.table(rows).splitlines()[-1] == "Perf index = 30 (util) + 17 (thru) = 47/100"


def test_ranges_map_a_measure_onto_the_score():
    weights = performance.Weights(util=0.5, thru=0.5, util_range=(0.2, 0.7), thru_range=(0.0, 0.5))
    assert performance.perf_index([row(0.45, 0.25)], weights) == pytest.approx((25, 25, 50))
    assert performance.perf_index([row(0.1, 0.9)], weights) == pytest.approx((0, 50, 50))
    with pytest.raises(ValueError):
        performance.Weights(util=0.7, thru=0.4)


def test_grade_gives_each_trace_its_points(traces):
    picked = [traces["binary-bal"], traces["coalescing-bal"]]
    rows = performance.grade(driver("grader/tests/perf_zoo/crash_on_huge.c").parent.parent, ROOT / "build",
                             picked + [traces["small-huge-bal"]], points_per_trace=2)
    by_name = {r.trace: r for r in rows}
    assert by_name["small-huge-bal.rep"].points == 0 and "Segmentation fault" in by_name["small-huge-bal.rep"].error
    for r in (by_name["binary-bal.rep"], by_name["coalescing-bal.rep"]):
        assert r.error is None and r.ratio > 0
        assert r.points == pytest.approx(2 * (0.6 * r.util + 0.4 * min(1, r.ratio)))


def test_the_k_best_rule():
    assert performance.converged([1.0, 5.0, 1.01, 1.015], 3, 0.02)
    assert not performance.converged([1.0, 5.0, 1.01, 1.03], 3, 0.02)
    assert not performance.converged([1.0, 1.0], 3, 0.02)


# ---- making traces ------------------------------------------------------------------------------


def test_the_generator_is_seeded(tmp_path):
    one, again, other = (trace_gen.generate(tmp_path / d, seed=s, scale=0.02) for d, s in (("a", 1), ("b", 1), ("c", 2)))
    assert [p.read_text() for p in one] == [p.read_text() for p in again]
    assert [p.read_text() for p in one] != [p.read_text() for p in other]


def test_a_recorder_log_becomes_a_trace_with_reused_ids():
    log = ["m 10 8", "c 20 2 16", "f 10", "m 30 5", "r 20 40 64", "r 0 50 7", "f 0", "f 999", "r 40 0 0", "f 30"]
    text = trace_record.convert(log)
    assert text.splitlines() == ["0", "3", "9", "1", "a 0 8", "c 1 2 16", "f 0", "a 0 5", "r 1 64", "a 2 7",
                                 "f -1", "f 1", "f 0"]


def test_a_recorded_program_replays(tmp_path):
    recorder = ROOT / "build" / "bin" / "trace_recorder.so"
    subprocess.run(["make", "-s", "--no-print-directory", "build/bin/trace_recorder.so"], cwd=ROOT, check=True)
    words = tmp_path / "words"
    words.write_text("".join(f"{i * 7919 % 1009}\n" for i in range(3000)))
    status, text = trace_record.record(recorder, ["sort", "-n", str(words)], max_ops=500)
    out = tmp_path / "sort.rep"
    out.write_text(text)
    assert status == 0 and int(text.splitlines()[2]) > 0
    assert run(driver("alloc/alloc.c"), out)["sort.rep"]["ok"]


# ---- the report -------------------------------------------------------------------------------


def test_the_report_holds_the_table_and_a_plot_per_trace(traces, tmp_path):
    pytest.importorskip("matplotlib")
    from grader import perf_report

    picked = [traces["binary-bal"], traces["small-huge-bal"]]
    slot = driver("grader/tests/perf_zoo/crash_on_huge.c").parent.parent
    rows = performance.grade(slot, ROOT / "build", picked, series_dir=tmp_path / "series")
    series = perf_report.read_series(tmp_path / "series" / "slot" / "binary-bal.rep.series")
    assert series and series[0][-1] == rows[0].ops and max(series[1]) == rows[0].detail["peak_payload"]
    assert max(series[2]) == rows[0].detail["peak_footprint"]
    report = perf_report.write(rows, tmp_path / "series", tmp_path / "out", "Perf index = 1 (util) + 2 (thru) = 3/100",
                               "best times")
    page = report.read_text()
    for name in ("binary-bal.rep", "small-huge-bal.rep"):
        assert f'src="{name}.png"' in page and f"<td>{name}</td>" in page
        assert (tmp_path / "out" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Segmentation fault" in page and "Perf index = 1 (util)" in page


def test_a_slot_without_malloc_is_not_measured_on_libcs(tmp_path):
    driver("grader/tests/dmalloc_only/dmalloc.cc")
    slot = ROOT / "build" / "selftest" / "perf" / "grader_tests_dmalloc_only_dmalloc.cc"
    with pytest.raises(performance.MissingInterface, match="does not define malloc, free, calloc, realloc"):
        performance.grade(slot, ROOT / "build", [PERF_TRACES / "short1-bal.rep"])
