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
import stat
from pathlib import Path

import pytest

from grader import alignment
from grader import report
from grader import runner
from grader import testcase as tc
from grader import verdict as V
from grader.slot import FUNCTIONS, Slot, families

PROPERTY = "heaplab"  # the key of the row each item leaves in its report's user_properties
# What a run writes in its results directory, and clears at its start: a file left by an earlier
# run must never pass for this one's.
RESULT_FILES = re.compile(r"^(results\.json|summary\.json|junit\.xml|(\d{3}-.*|test\d{3})\.(static|preload)\.json)(\.tmp)?$")


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
        "--run-as", default=runner.UNPRIVILEGED_USER, metavar="USER",
        help="when root, run test programs as this user (default: nobody; empty: stay root)",
    )


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
        self.user = config.getoption("--run-as") or None
        self.warnings = []
        private = self._private_directory() if self.user and os.geteuid() == 0 else None
        if private:
            self.warnings.append(
                f"WARNING: {private} is private, so test programs run as root, not as {self.user!r}; "
                f"build in a directory others can read to isolate them"
            )
            self.user = None
        self.selected = self._selection(config)
        self.rows, self.details, self.total = [], {}, None
        self._defined = None

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

    def _private_directory(self):
        """A directory on the way to the test programs that other users cannot enter, or None."""
        for path in (self.slot.path, self.slot.build / "tests"):
            for directory in [path.resolve(), *path.resolve().parents]:
                if directory.exists() and not directory.stat().st_mode & stat.S_IXOTH:
                    return directory
        return None

    def _selection(self, config):
        text = config.getoption("--tests")
        if not text:
            return None
        try:
            wanted = tc.parse_selection(text)
        except ValueError as e:
            raise pytest.UsageError(str(e)) from None
        have = set()
        for arg in config.args:
            path = Path(arg.split("::")[0])
            have.update(tc.number_of(f) for f in ([path] if path.is_file() else tc.test_files(path)))
        have.discard(None)
        # A range selects the tests it holds: T=1,700-799 runs test 1; only a selection that
        # holds no test at all is a mistake.
        if not wanted & have:
            span = f"{min(have)}-{max(have)}" if have else "none"
            raise pytest.UsageError(f"T={text}: no test numbered {text} (tests here: {span}, see testcases/)")
        return wanted & have

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
        lines += self.warnings
        if layer := self.slot.layer:
            lines.append(
                f"GRADED WITH {layer}: the debugging layer beside {self.alloc} joined the slot, so the "
                f"dmalloc tests grade that layer; delete it (or grade from another folder) to grade {self.alloc} alone"
            )
        lines += filter(None, [alignment.header(self.rows, self.align)])
        return lines

    def pytest_sessionstart(self, session):
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if self.slot.compile_error and reporter and self.controller:
            reporter.write_line(self.not_built_line(), red=True, bold=True)

    def pytest_collection_modifyitems(self, items):
        if self.selected is None:
            return
        keep = [i for i in items if not isinstance(i, TestcaseItem) or i.number in self.selected]
        self.config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep

    def pytest_collection_finish(self, session):
        self.total = len(session.items)

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
        shown = [r for r in rows if r["name"] in self.details and r["verdict"] not in report.SUMMARIZED]
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
        rows = sorted(self.rows, key=lambda r: r["number"])
        if self.config.option.tbstyle != "no":
            self.print_failures(tr, rows)
        tr.section("heaplab", sep="=")
        for line in self.header():
            tr.write_line(line, red=True, bold=True)
        if self.slot.compile_error:
            for line in self.compiler_messages():
                tr.write_line(line)
        for line in report.table(rows):
            tr.write_line(line)
        got, total = report.score(rows)
        tr.write_line(report.score_line(rows), bold=True, green=got == total, red=got < total)
        tr.write_line(f"results: {self.results / 'results.json'}")

    def pytest_sessionfinish(self):
        if self.controller:
            rows = sorted(self.rows, key=lambda r: r["number"])
            report.write_json(self.results / "results.json", report.gradescope(rows, self.header(), self.details))
            report.write_json(self.results / "summary.json",
                              report.summary(rows, self.header(), self.total, self.slot.compile_error))


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


class TestcaseFile(pytest.File):
    def collect(self):
        try:
            test, error = tc.parse(self.path), None
        except tc.TestcaseError as e:
            test, error = None, e
        number = tc.number_of(self.path)
        yield TestcaseItem.from_parent(self, name=f"{number:03d}", test=test, error=error)


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
        row = {
            "number": self.number, "name": self.path.stem, "points": 0, "time": None,
            "category": self.test.category if self.test else "-",
            "max_points": self.test.points if self.test else tc.declared_points(self.path),
        }
        self.user_properties.append((PROPERTY, row))
        judged = V.bad_testcase(self.error) if self.error is not None else self._run_modes(row)
        row["verdict"] = judged.verdict
        if judged.verdict in report.SUMMARIZED or judged.verdict == V.BAD_TESTCASE:
            row.setdefault("reason", judged.message)
            raise TestFailed(f"{self.path.stem}: {judged.verdict}: {judged.message}")
        if not judged.passed:
            raise TestFailed(judged.message)
        row["points"] = self.test.points

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
            result = runner.run(test, mode, run.slot, run.results, run.runner, run.user, run.align)
            row["time"] = (row["time"] or 0) + result["wall_time"]
            judged = V.judge(test, result)
            if not judged.passed:
                row["alignment"] = alignment.observed(result.get("output"))
                return self._lose(judged, mode, result)
        return V.Verdict(V.PASSED)

    def _lose(self, judged, mode, result):
        if judged.verdict in report.SUMMARIZED:
            return judged
        run = grading(self.config)
        extra = "" if run.alloc == "alloc/alloc.c" else f" ALLOC={shlex.quote(run.alloc)}"
        extra += "" if run.align == alignment.DEFAULT else f" ALIGN={run.align}"
        rerun = f"make test T={self.number}{extra}   (debug: make gdb T={self.number}{extra}, make valgrind T={self.number}{extra})"
        alone = runner.command(self.test, mode, run.slot, run.align)
        judged.message = report.failure(self.test, mode, result, judged, rerun, alone)
        return judged

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, TestFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"test {self.number}: {self.path.stem}"
