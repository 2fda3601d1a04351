"""The performance category in `make test`: one pytest item per trace, worth its share of the
rubric's [performance] points (docs/performance.md).

The category is in play when the rubric counts it (its `categories`, and `malloc` among its
interfaces: `auto` has it only for a slot that defines malloc), the test folder has a traces/
folder (heaplab's suite does; a course's folder without one has no performance category), the
run selects no tests by number (T=) and PERF=0 (`--no-performance`) was not given. The first item
measures every trace at once (grader/performance.py, the driver in the box: grader/perf_box.py)
and writes report.html with the plots into the results' performance/ folder; each item then
gives its trace's row. Every item carries the xdist group `performance`, so that one process
measures them all (`make test` distributes with --dist loadgroup).
"""

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from grader import performance
from grader import perf_box
from grader import perf_report
from grader import report
from grader import rubric as R
from grader import trace_gen
from grader import verdict as V

GROUP = "performance"
# The traces `make test` grades by default: a mix of the recorded programs and of the synthetic
# families, as many as fit in the time it may add to a run. `make perf` grades every trace.
DEFAULT_TRACES = ("gcc-cc1", "perl", "python3", "sqlite3", "binary-bal", "coalescing-bal", "random-bal",
                  "realloc2-bal", "small-huge-bal")
HEAPLAB_TESTCASES = Path(__file__).resolve().parents[1] / "testcases"
SECONDS = 60  # the category's own limit, the correctness pass and the timing together
DETERMINISTIC_SECONDS = 180  # the same, counting instructions under valgrind
ROUNDS = 5  # timing rounds at most (the K-best rule usually stops them sooner)
TIMING_SECONDS = 10  # the timing rounds' own limit
# One trace's correctness pass at most (the reference's longest takes under a second): an
# allocator that hangs on one trace loses that trace and leaves the others their time.
TRACE_SECONDS = 15


def addoption(group):
    group.addoption("--no-performance", action="store_true",
                    help="leave the performance category out (`make test PERF=0`)")
    group.addoption("--deterministic", action="store_true",
                    help="the performance category's throughput as instruction counts under valgrind: the same "
                    "score on every run (`make test DETERMINISTIC=1`)")


class Category:
    """The category of one run: its traces, their points, and, once measured, their rows."""

    def __init__(self, grading, settings, folder, traces, deterministic=False):
        self.grading, self.settings, self.folder = grading, settings, folder
        self.deterministic = deterministic
        self.traces = traces  # names, in the rubric's order
        self.points_each = settings.points / len(traces)
        self.weights = performance.Weights(settings.util, settings.throughput, settings.util_range,
                                           settings.throughput_range)
        self._measured = None
        self.visible = settings.visibility == "visible"  # else its measures and its table are not shown
        self.isolation = None  # the box the driver ran in: (the runner's isolation, its error)

    @classmethod
    def of(cls, grading, config):
        """The run's category, or None when it is not in play. A trace the rubric names that no
        folder holds is a usage error."""
        rubric = grading.rubric
        if config.getoption("--no-performance") or grading.selected is not None:
            return None
        if "performance" not in rubric.categories or "malloc" not in rubric.interfaces:
            return None
        folders = [Path(a.split("::")[0]) for a in config.args]
        folder = next((f for f in folders if (f / "traces").is_dir()), None)
        if folder is None:
            return None
        own = sorted(p.stem for p in (folder / "traces").glob("*.rep"))
        if rubric.performance.traces is not None:
            names = list(rubric.performance.traces)
        elif folder.resolve() == HEAPLAB_TESTCASES:
            names = list(DEFAULT_TRACES)
        else:
            names = own
        for name in names:
            if name not in own and name not in trace_gen.SUITE:
                raise R.RubricError(f"RUBRIC={rubric.name}", "performance.traces",
                                    f"no trace named {name!r} in {folder / 'traces'} nor among the generated "
                                    f"ones ({', '.join(trace_gen.SUITE)})")
        deterministic = config.getoption("--deterministic")
        if deterministic and not performance.valgrind_available():
            raise R.RubricError("DETERMINISTIC=1", "valgrind", "not installed: the instruction counts need it "
                                "(`make deps` installs it)")
        return cls(grading, rubric.performance, folder, names, deterministic) if names else None

    def path(self, name):
        """The trace's file: the test folder's own, else the generated one (make test writes them)."""
        own = self.folder / "traces" / f"{name}.rep"
        return own if own.exists() else self.grading.slot.build / "traces" / f"{name}.rep"

    def items(self, session):
        suite = TraceFolder.from_parent(session, path=self.folder / "traces")
        return [TraceItem.from_parent(suite, name=f"perf-{name}", category=self, trace=name, index=i + 1)
                for i, name in enumerate(self.traces)]

    def measured(self):
        """{trace name: its performance.Row}, or the Verdict every trace gets; measured once."""
        if self._measured is None:
            self._measured = self._measure()
        return self._measured

    def _measure(self):
        run = self.grading
        if run.slot.compile_error:
            return V.slot_not_built(run.alloc)
        files = [self.path(n) for n in self.traces]
        absent = [f for f in files if not f.exists()]
        if absent:
            return V.not_built(f"the trace {absent[0]} was not generated (run `make test`, which generates it)")
        seconds = DETERMINISTIC_SECONDS if self.deterministic else SECONDS
        launch = perf_box.BoxedDriver(run.runner, run.box, run.user, run.budget, seconds)
        series = Path(tempfile.mkdtemp(prefix="heaplab-series-"))
        rows = []
        try:
            rows = performance.grade(run.slot.path, run.slot.build, files, self.weights, self.deterministic,
                                     align=run.align,
                                     points_per_trace=self.points_each, series_dir=series, launch=launch,
                                     rounds=ROUNDS, timing_seconds=TIMING_SECONDS, trace_timeout=TRACE_SECONDS)
        except performance.MissingInterface as e:
            return V.missing_interface(e.missing, run.defined[1])
        except FileNotFoundError:
            log = performance.slot_driver(run.slot.path).with_name("trace_driver.log")
            first = next((line for line in (log.read_text(errors="replace") if log.exists() else "").splitlines()
                          if "error" in line), None)
            return V.not_built(first or "the trace driver was not built with the slot (run `make test`)")
        except performance.OutOfTime as e:
            return V.Verdict(V.NOT_RUN, str(e), summary="NOT RUN")
        finally:
            self.isolation = launch.isolation
            self._report(rows, series)
            shutil.rmtree(series, ignore_errors=True)
        return {r.trace.removesuffix(".rep"): r for r in rows}

    def _report(self, rows, series):
        """report.html and the plots in the results' performance/ folder, when matplotlib is there
        (the report's line says when it is not: grader/plugin.py)."""
        if rows and perf_report.available():
            perf_report.write(rows, series, self.grading.results / "performance",
                              performance.index_line(rows, self.weights),
                              "instruction counts" if self.deterministic else "best times")


def judged(row):
    """The verdict of a measured trace: passed, with the points it earned, or why it scores none."""
    if not row.error:
        thru = "not measured" if row.ratio is None else f"{row.ratio:.2f} x glibc's"
        libc = "" if row.libc_util is None else f" (glibc {row.libc_util:.2f})"
        note = f"; {row.detail['note']}" if row.detail.get("note") else ""
        return V.Verdict(V.PASSED, f"utilization {row.util:.2f}{libc}, throughput {thru}{note}: "
                                   f"{row.points:.2f} of {row.max_points:g} points")
    error = row.error
    if row.trace_fault:
        return V.Verdict(V.BAD_TESTCASE, f"{row.trace}: {error}")
    if perf_box.CHEAT in error:
        return V.Verdict(V.CHEAT, error.split(perf_box.CHEAT, 1)[1])
    if "not run: " in error:
        return V.Verdict(V.NOT_RUN, error, summary="NOT RUN")
    if "killed by" in error:
        return V.Verdict(V.CRASHED, error)
    if "still running" in error:
        return V.Verdict(V.TIMEOUT, error)
    return V.Verdict(V.WRONG_OUTPUT, f"the trace driver found a fault: {error}")


def table(rows, weights):
    """The per-trace table and the Perf index line of the rows of the run's report (dicts), as
    `make perf` prints them."""
    measured = []
    for r in rows:
        p = r.get("perf")
        if p is not None:
            measured.append(performance.Row(trace=p["trace"], ops=p["ops"], util=p["util"], ratio=p["ratio"],
                                            points=r["points"], max_points=r["max_points"], error=p["error"],
                                            libc_util=p["libc_util"]))
    return performance.table(measured, weights).splitlines() if measured else []


class TraceFolder(pytest.File):
    """The traces' node: its items are made by the category, not read from a file."""

    def collect(self):
        return []


class TraceFailed(Exception):
    """A trace that scores nothing; str() is what the report shows."""


class TraceItem(pytest.Item):
    def __init__(self, *, category, trace, index, **kwargs):
        super().__init__(**kwargs)
        self.category, self.trace, self.index = category, trace, index
        self.add_marker(GROUP)
        self.add_marker(pytest.mark.xdist_group(GROUP))

    def runtest(self):
        category = self.category
        row = {"number": f"P{self.index}", "name": self.name, "category": GROUP, "points": 0, "time": None,
               "max_points": category.points_each, "visibility": category.settings.visibility}
        self.user_properties.append((report.PROPERTY, row))
        started = time.monotonic()
        measured = category.measured()
        row["time"] = time.monotonic() - started
        if category.isolation:
            row["isolation"], row["isolation_error"] = category.isolation
        if isinstance(measured, V.Verdict):
            verdict = measured
            if verdict.verdict == V.MISSING_INTERFACE:
                row["reason"] = verdict.message
        else:
            found = measured[self.trace]
            row["perf"] = {"trace": found.trace, "ops": found.ops, "util": found.util, "ratio": found.ratio,
                           "libc_util": found.libc_util, "error": found.error}
            verdict = judged(found)
            if verdict.passed:
                row["points"] = found.points
        row["verdict"] = verdict.verdict
        if verdict.summary:
            row["summary"] = verdict.summary
        # A trace that is not visible shows its verdict alone, as a hidden test does.
        shown = category.visible or report.summary_of(row)
        row["message"] = verdict.message if shown else None
        if not verdict.passed:
            row.setdefault("reason", verdict.message if shown else report.withheld(row))
            raise TraceFailed(f"{self.name}: {verdict.verdict}: {verdict.message}" if shown else row["reason"])

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, TraceFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"trace {self.trace}"
