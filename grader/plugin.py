"""The grading plugin: one pytest item per numbered test program.

    python3 -m pytest -p grader.plugin --slot build/slot testcases [-k ...] [-x] [--lf] [-n 2]

Each test file (`testcases/NNN-*.c`, or a course folder's `testNNN.c`/`.cc`) becomes one item,
named by its number; running it runs the test program (in each of its modes) through the C
runner and judges what came out. The run ends with a table and a `score: N/M` line, and writes
results.json (Gradescope's schema) beside the runner's per-test results, so an interrupted run
keeps what finished.
"""

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from grader import alignment
from grader import box
from grader import budget
from grader import formats
from grader import perf_items
from grader import perf_report
from grader import report
from grader.report import PROPERTY
from grader import rubric as R
from grader import runner
from grader.broken_start import BrokenStart
from grader import testcase as tc
from grader import verdict as V
from grader.box import Box
from grader.slot import FUNCTIONS, Slot, families

# What a run writes in its results directory, and clears at its start: a file left by an earlier
# run must never pass for this one's.
RESULT_FILES = re.compile(
    r"^(results\.json|summary\.json|junit\.xml|prairielearn\.json|(\d{3}-.*|test\d{3})\.(static|preload)\.(json|tracker\.jsonl)|before-main\.\w+\.json)(\.\d+)?(\.tmp)?$"
)


def pytest_addoption(parser):
    group = parser.getgroup("heaplab", "heaplab grading")
    group.addoption("--slot", default="build/slot", help="the slot's build directory, made by `make` (default: build/slot)")
    group.addoption("--build", default="build", help="the build root holding harness/ and tests/ (default: build)")
    group.addoption("--alloc", default="alloc/alloc.c", help="the allocator source being graded, for messages")
    group.addoption("--tests", default=None, metavar="LIST", help="run only these test numbers: 12 or 3,7-9")
    group.addoption("--results", default=None, metavar="DIR", help="where results go (default: SLOT/results)")
    group.addoption(
        "--align", type=int, default=alignment.DEFAULT, metavar="BYTES",
        help="the payload alignment the course requires of malloc (default: 16; 8 for CS:APP-style courses)",
    )
    group.addoption(
        "--rubric", default=R.AUTO, metavar="NAME|FILE",
        help="which tests count and for how much: auto (the families the slot defines; default), "
        "a preset of rubrics/ (malloc, dmalloc, full) or a rubric file (.toml)",
    )
    group.addoption(
        "--format", default="", metavar="LIST",
        help=f"reports beside results.json and junit.xml: {', '.join(formats.EXTRA)} (comma-separated)",
    )
    group.addoption(
        "--budget", type=float, default=budget.DEFAULT, metavar="SECONDS",
        help=f"the whole run's time budget: tests not run within it are not-run (default: {budget.DEFAULT}; 0: none)",
    )
    group.addoption(
        "--budget-from", type=float, default=None, metavar="EPOCH",
        help="when the budget started, in seconds since the epoch (default: now; `make test` passes its own start)",
    )
    group.addoption(
        "--tracker", choices=("on", "off"), default="on",
        help="run every test under the tracker, which fails a test whose allocator it saw break its contract "
        "(docs/tracker.md; default: on; off: to measure its cost)",
    )
    group.addoption(
        "--run-as", default=runner.UNPRIVILEGED_USER, metavar="USER",
        help="when root, run each test program as a user of its own, named after this one (default: nobody; "
        "empty: stay root)",
    )
    perf_items.addoption(group)


def pytest_configure(config):
    for category in tc.CATEGORIES:
        config.addinivalue_line("markers", f"{marker(category)}: tests of the {category} category")
    config.pluginmanager.register(Grading(config), Grading.NAME)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """pytest prints failures in the order they finish (under -n, not the tests' order), and
    each test of a missing interface at length: the grader prints the tests' own failures
    instead (Grading.print_failures). The final count still counts them."""
    stats = terminalreporter.stats
    failed = stats.get("failed", [])
    stats["failed"] = [r for r in failed if PROPERTY not in dict(getattr(r, "user_properties", ()))]
    try:
        yield
    finally:
        stats["failed"] = failed


def marker(category):
    """The pytest marker of a category, so that `-m threads` selects it."""
    return category.replace("-", "_")


def grading(config):
    return config.pluginmanager.get_plugin(Grading.NAME)


class Grading:
    """The run's state: the slot, the selection, and the rows of the final table."""

    NAME = "heaplab-grading"

    def __init__(self, config):
        self.config = config
        self.slot = Slot(Path(config.getoption("--slot")), Path(config.getoption("--build")))
        self.results = Path(config.getoption("--results") or self.slot.path / "results")
        self.results.mkdir(parents=True, exist_ok=True)
        self.controller = not hasattr(config, "workerinput")
        if self.controller:
            self._clear_results()
        self.runner = self.slot.build / "harness" / "runner"
        if not self.runner.exists():
            raise pytest.UsageError(f"{self.runner} is missing: run `make test`, which builds it")
        self.alloc = config.getoption("--alloc")
        try:
            self.align = alignment.check(config.getoption("--align"))
        except ValueError as e:
            raise pytest.UsageError(str(e)) from None
        try:
            self.budget = budget.Budget.starting(config.getoption("--budget"), config.getoption("--budget-from"))
        except ValueError as e:
            raise pytest.UsageError(str(e)) from None
        if not self.controller:  # the controller's deadline: the same for every worker
            self.budget.deadline = config.workerinput["heaplab_deadline"]
        self.broken_start = BrokenStart(self.results)
        self.user = config.getoption("--run-as") or None
        self.tracked = config.getoption("--tracker") == "on"
        self._box = None
        self.rows, self.details, self.total = [], {}, None
        self._defined = None
        self.suite = self._suite(config)
        try:
            self.formats = formats.parse(config.getoption("--format"))
            self.rubric = R.load(config.getoption("--rubric"), set(self.suite)) or R.auto(self.defined[0])
        except (ValueError, R.RubricError) as e:
            raise pytest.UsageError(str(e)) from None
        self._apply_rubric()
        self.selected = self._selection(config)
        try:
            self.performance = perf_items.Category.of(self, config)
        except R.RubricError as e:
            raise pytest.UsageError(str(e)) from None

    @property
    def defined(self):
        """(the slot's functions, those it defines with C++ linkage), read once."""
        if self._defined is None:
            self._defined = self.slot.defined()
        return self._defined

    def missing(self, test):
        """The functions the test needs that the slot does not define, in FUNCTIONS order: its
        `needs:`, what its object calls, and the standard four unless it tests the dmalloc layer
        (whose base allocator may be libc's); a test also allocates through the runtime."""
        wanted = self.slot.called(test).union(*(tc.INTERFACES[n] for n in test.needs))
        if "dmalloc" not in test.needs:
            wanted |= set(FUNCTIONS[:4])
        return [f for f in FUNCTIONS if f in wanted and f not in self.defined[0]]

    def _clear_results(self):
        for path in self.results.iterdir():
            if RESULT_FILES.match(path.name) and path.is_file():
                path.unlink()
        shutil.rmtree(self.results / "performance", ignore_errors=True)

    @property
    def box(self):
        """The box of this process (each xdist worker has its own decoys), made at its first test."""
        if self._box is None:
            tree = Path(__file__).resolve().parents[1]
            here = Path(self.config.invocation_params.dir)
            folders = {(here / a.split("::")[0]).resolve() for a in self.config.args}
            folders = [f if f.is_dir() else f.parent for f in folders]
            self._box = Box(tree, [self.slot.path, self.slot.build], folders, self.results)
        return self._box

    @staticmethod
    def _suite(config):
        """{number: the parsed test, or its TestcaseError when malformed} of the test files the
        run names, parsed once: collection takes them from here."""
        suite = {}
        for arg in config.args:
            path = Path(arg.split("::")[0])
            for f in [path] if path.is_file() else tc.test_files(path) if path.is_dir() else []:
                if tc.number_of(f) is not None:
                    suite[tc.number_of(f)] = parsed(f)
        return suite

    def _apply_rubric(self):
        """The tests in play, their points and visibility, and what the rubric leaves out. A
        malformed test stays in play: its category is unknown, and it costs its points."""
        tests = {n: t for n, t in self.suite.items() if isinstance(t, tc.Testcase)}
        self.in_play = {n for n in self.suite if n not in tests or self.rubric.counts(tests[n])}
        self.points = self.rubric.points([t for n, t in tests.items() if n in self.in_play])
        self.left_out = [t for n, t in sorted(tests.items()) if n not in self.in_play]

    def visibility(self, number):
        test = self.suite.get(number)
        return self.rubric.visibility(number, test.category if isinstance(test, tc.Testcase) else None)

    def rubric_line(self):
        return self.rubric.header(Path(self.alloc).name, self.left_out)

    def _selection(self, config):
        text = config.getoption("--tests")
        if not text:
            return None
        try:
            wanted = tc.parse_selection(text)
        except ValueError as e:
            raise pytest.UsageError(str(e)) from None
        have = set(self.suite)
        # A range selects the tests it holds: T=1,700-799 runs test 1; only a selection that
        # holds no test at all is a mistake.
        if not wanted & have:
            span = f"{min(have)}-{max(have)}" if have else "none"
            raise pytest.UsageError(f"T={text}: no test numbered {text} (tests here: {span}, see testcases/)")
        if not wanted & self.in_play:
            raise pytest.UsageError(
                f"T={text}: the rubric leaves out every test it names ({self.rubric_line()})"
            )
        return wanted & have & self.in_play

    def not_built_line(self):
        error = self.slot.compile_error
        return error and f"NOT BUILT: {self.alloc} does not compile; every test fails. First error: {error}"

    def compiler_messages(self, most=20):
        """The start of the compiler's messages, for the summary of a slot that did not build."""
        log = self.slot.path / "compile.log"
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        return [f"  {line}" for line in lines[:most]] + (["  ..."] if len(lines) > most else [])

    def header(self):
        """The lines above everything else: what makes the whole score read differently."""
        lines = [self.not_built_line()] if self.slot.compile_error else []
        if self.total is not None and len(self.rows) < self.total:
            lines.append(f"INCOMPLETE: {len(self.rows)} of {self.total} tests ran; the score counts only those")
        box_lines = box.header(self.rows, self.user if os.geteuid() == 0 else None)
        lines += [line for line in box_lines if line.startswith("WARNING")]
        if layer := self.slot.layer:
            lines.append(
                f"GRADED WITH {layer}: the debugging layer beside {self.alloc} joined the slot, so the "
                f"dmalloc tests grade that layer; delete it (or grade from another folder) to grade {self.alloc} alone"
            )
        lines += filter(None, [alignment.header(self.rows, self.align)])
        return lines + [line for line in box_lines if not line.startswith("WARNING")]

    def pytest_sessionstart(self, session):
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if self.slot.compile_error and reporter and self.controller:
            reporter.write_line(self.not_built_line(), red=True, bold=True)

    def pytest_collection_modifyitems(self, session, items):
        if self.performance:
            items += self.performance.items(session)
        wanted = self.in_play if self.selected is None else self.selected
        keep = [i for i in items if not isinstance(i, TestcaseItem) or i.number in wanted]
        self.config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep

    def pytest_collection_finish(self, session):
        self.total = len(session.items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node):
        node.workerinput["heaplab_deadline"] = self.budget.deadline

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids):
        self.total = len(ids)

    def pytest_runtest_logreport(self, report):
        row = dict(report.user_properties).get(PROPERTY)
        if row is None or report.when != "call":
            return
        # A row without a verdict is a test the grader itself failed on (an exception of ours).
        row.setdefault("verdict", V.GRADER_ERROR)
        self.rows.append(row)
        if report.failed:
            self.details[row["name"]] = str(report.longrepr)

    def print_failures(self, tr, rows):
        """Each failure in the order of the tests, then one summary per verdict that needs no
        debugging (a missing interface, a program not built)."""
        shown = [r for r in rows if r["name"] in self.details and not report.summary_of(r)]
        if shown:
            tr.write_sep("=", "FAILURES")
        for r in shown:
            tr.write_sep("_", f"test {r['number']}: {r['name']}", red=True, bold=True)
            tr.write_line(self.details[r["name"]])
        for line in report.summaries(rows):
            tr.write_line(line, red=not line.startswith(" "), bold=not line.startswith(" "))

    def pytest_terminal_summary(self, terminalreporter):
        if not self.controller or not self.rows:
            return
        tr = terminalreporter
        rows = sorted(self.rows, key=report.in_order)
        if self.config.option.tbstyle != "no":
            self.print_failures(tr, rows)
        tr.section("heaplab", sep="=")
        for line in self.header():
            tr.write_line(line, red=not line.startswith("ISOLATION"), bold=True)
        tr.write_line(self.rubric_line())
        if self.slot.compile_error:
            for line in self.compiler_messages():
                tr.write_line(line)
        for line in report.table(rows):
            tr.write_line(line)
        for line in self.performance_lines(rows):
            tr.write_line(line)
        got, total = report.score(rows)
        tr.write_line(report.score_line(rows), bold=True, green=got == total, red=got < total)
        tr.write_line(f"results: {self.results / 'results.json'}")

    def performance_lines(self, rows):
        """The performance category's per-trace table, its Perf index line and its HTML report."""
        if not self.performance or not self.performance.visible:
            return []
        lines = perf_items.table(rows, self.performance.weights)
        page = self.results / "performance" / "report.html"
        if not lines:
            return []
        if page.exists():
            return ["", "performance:", *lines, f"report: {page}"]
        why = "python3-matplotlib is not installed (make deps)" if not perf_report.available() else "no trace ran"
        return ["", "performance:", *lines, f"report: not written: {why}"]

    def pytest_sessionfinish(self):
        if self.controller:
            rows = sorted(self.rows, key=report.in_order)
            header = [*self.header(), self.rubric_line(), *self.performance_lines(rows)]
            report.write_json(self.results / "results.json", report.gradescope(rows, header, self.details))
            report.write_json(self.results / "summary.json",
                              report.summary(rows, header, self.total, self.slot.compile_error))
            formats.write(self.formats, self.results, rows, header, self.details)

    def pytest_unconfigure(self):
        """The box's decoys go; Autolab's line is printed last, after pytest's own summary line:
        Autolab reads the score from the output's last line."""
        if self._box is not None:
            self._box.remove()
        if self.controller and formats.AUTOLAB in self.formats:
            reporter = self.config.pluginmanager.get_plugin("terminalreporter")
            rows = sorted(self.rows, key=report.in_order)
            if reporter:
                reporter.write_line(formats.autolab_line(rows))


def pytest_collect_file(file_path, parent):
    """The tests directly in the folders named on the command line (or the test files named):
    a course's folder inside testcases/ replaces the suite rather than joining it."""
    if tc.number_of(file_path) is None:
        return None
    here = Path(parent.config.invocation_params.dir)
    given = {(here / arg.split("::")[0]).resolve() for arg in parent.config.args}
    if file_path.resolve() in given or file_path.parent.resolve() in given:
        return TestcaseFile.from_parent(parent, path=file_path)
    return None


def parsed(path):
    """The test file parsed, or the TestcaseError that says why it cannot be."""
    try:
        return tc.parse(path)
    except tc.TestcaseError as e:
        return e


class TestcaseFile(pytest.File):
    def collect(self):
        number = tc.number_of(self.path)
        test = grading(self.config).suite.get(number)
        if not (isinstance(test, tc.Testcase) and Path(test.path).resolve() == self.path.resolve()):
            test = parsed(self.path)  # malformed, or another folder's test of the same number
        error = test if isinstance(test, tc.TestcaseError) else None
        yield TestcaseItem.from_parent(self, name=f"{number:03d}", test=None if error else test, error=error)


class TestFailed(Exception):
    """A test that ran and lost; str() is what the report shows."""


class TestcaseItem(pytest.Item):
    def __init__(self, *, test, error, **kwargs):
        super().__init__(**kwargs)
        self.test, self.error = test, error
        self.number = tc.number_of(self.path)
        if test is not None:
            self.add_marker(marker(test.category))

    def runtest(self):
        run = grading(self.config)
        row = {
            "number": self.number, "name": self.path.stem, "points": 0, "time": None,
            "category": self.test.category if self.test else "-",
            "max_points": run.points.get(self.number) or tc.declared_points(self.path),
            "visibility": run.visibility(self.number),
        }
        self.user_properties.append((PROPERTY, row))
        judged = V.bad_testcase(self.error) if self.error is not None else self._run_modes(row)
        row["verdict"] = judged.verdict
        if judged.summary:
            row["summary"] = judged.summary
        # What a hidden test expects is never shown: not its lines, nor the diff against them,
        # nor a malformed expected line. A missing function or build error is not an expectation.
        shown = row["visibility"] == "visible" or report.summary_of(row)
        if report.summary_of(row) or judged.verdict == V.BAD_TESTCASE:
            # The row goes into junit.xml's properties too.
            row.setdefault("reason", judged.message if shown else report.withheld(row))
            raise TestFailed(f"{self.path.stem}: {judged.verdict}: {judged.message}" if shown else row["reason"])
        if not judged.passed:
            raise TestFailed(judged.message if shown else report.withheld(row))
        row["points"] = row["max_points"]

    def _run_modes(self, row):
        test, run = self.test, grading(self.config)
        if run.slot.compile_error:
            return self._lose(V.slot_not_built(run.alloc), test.modes[0], None)
        missing = run.missing(test)
        if missing:
            # The summary groups tests by family: each test's own message names its functions.
            row["reason"] = f"needs {families(missing)}, which the allocator does not define"
            return self._lose(V.missing_interface(missing, run.defined[1]), test.modes[0], None)
        for mode in test.modes:
            if not run.slot.program(test, mode).exists():
                return self._lose(V.not_built(run.slot.build_log(test, mode)), mode, None)
            first = run.broken_start.known(test)
            if first:
                return V.like_before(*first)
            limit = run.budget.limit(test.timeout)
            if limit is None:
                return V.not_run(run.budget.seconds)
            result = runner.run(test, mode, run.slot, run.results, run.runner, run.user, run.align, run.box, limit,
                                run.tracked)
            run.broken_start.record(test, result)
            row["time"] = (row["time"] or 0) + result["wall_time"]
            row["isolation"], row["isolation_error"] = result["isolation"], result["isolation_error"]
            judged = V.caught(result, run.box.canary) or V.judge(
                test, result, run.budget.seconds if limit < test.timeout else None
            )
            if not judged.passed:
                row["alignment"] = alignment.observed(result.get("output"))
                return self._lose(judged, mode, result)
        return V.Verdict(V.PASSED)

    def _lose(self, judged, mode, result):
        if judged.verdict in report.SUMMARIZED or judged.summary:
            return judged
        run = grading(self.config)
        extra = "" if run.alloc == "alloc/alloc.c" else f" ALLOC={shlex.quote(run.alloc)}"
        extra += "" if run.align == alignment.DEFAULT else f" ALIGN={run.align}"
        rerun = f"make test T={self.number}{extra}   (debug: make gdb T={self.number}{extra}, make valgrind T={self.number}{extra})"
        alone = runner.command(self.test, mode, run.slot, run.align, run.tracked)
        judged.message = report.failure(self.test, mode, result, judged, rerun, alone)
        return judged

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, TestFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"test {self.number}: {self.path.stem}"
