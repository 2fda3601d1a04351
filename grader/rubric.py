"""A rubric: which tests count, what each is worth, who sees it, and how performance is scored.

A rubric file is TOML (rubrics/*.toml are the presets; docs/rubric.md gives every key):

    description = "the malloc lab"
    interfaces = ["malloc", "aligned"]     # the function families the assignment asks for
    categories = ["basic", "realloc"]      # optional: the categories in play (default: all)
    [category.threads]                     # optional, per category
    points = 20                            # its tests share 20 points, in proportion to their own
    visibility = "after_due_date"          # Gradescope's: visible, hidden, after_due_date, after_published
    [test.45]                              # optional, per test: points, visibility
    visibility = "hidden"
    [performance]                          # optional: the performance category (docs/performance.md)
    points = 18                            # shared evenly among its traces
    util = 0.6                             # a trace's score: 0.6 * utilization + 0.4 * throughput
    throughput = 0.4
    util_range = [0.0, 1.0]                # the thresholds of each measure: nothing below, all from
    throughput_range = [0.0, 1.0]
    traces = ["binary-bal", "gcc-cc1"]     # which traces (default: grader.perf_items.DEFAULT_TRACES)

A test counts when its category is in play and the rubric's interfaces cover every family it
needs; the others are left out of the run and of the maximum. A test in play whose family the
slot lacks scores 0 as missing-interface, naming it. `auto` is the rubric of the families the
slot defines.
"""

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from grader import report
from grader import testcase as tc
from grader.slot import FAMILIES

PRESETS = Path(__file__).resolve().parents[1] / "rubrics"
AUTO = "auto"
# A rubric's interface names: the `//@ needs:` names, and `malloc` for the standard four, which
# every test needs except those of the dmalloc layer (whose base allocator may be libc's).
INTERFACES = {
    "malloc": "the C allocation family",
    "aligned": "the aligned family",
    "heap-report": "the heap reports",
    "dmalloc": "the dmalloc interface",
}
# A symbol whose presence shows the slot defines each family (`auto`); tc.INTERFACES for the others.
EVIDENCE = {"malloc": FAMILIES["the C allocation family"], **tc.INTERFACES}
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
WEIGHTS = ("util", "throughput")  # per trace: util * utilization + throughput * throughput ratio
PERFORMANCE_KEYS = ("points", *WEIGHTS, "util_range", "throughput_range", "traces", "visibility")
KEYS = ("description", "interfaces", "categories", "category", "test", "performance")
SETTINGS = ("points", "visibility")  # the keys of a [category.NAME] or [test.N] table


class RubricError(Exception):
    """A rubric file that cannot be used; str() names the file and the key."""

    def __init__(self, where, key, message):
        super().__init__(f"{where}: {key}: {message}")


def required(test):
    """The interfaces a test needs: its `needs:`, and the standard four unless it tests the layer."""
    return set(test.needs) | (set() if "dmalloc" in test.needs else {"malloc"})


@dataclass
class Performance:
    """The performance category's settings (a rubric's [performance] table): its points, shared
    evenly among its traces; each trace's score, util * utilization + throughput * throughput
    ratio, each measure mapped onto 0..1 between the ends of its range; the traces, by name
    (None: the grader's default set); the visibility of its items."""

    points: float = 18
    util: float = 0.6
    throughput: float = 0.4
    util_range: tuple = (0.0, 1.0)
    throughput_range: tuple = (0.0, 1.0)
    traces: tuple | None = None
    visibility: str = "visible"


@dataclass
class Rubric:
    name: str  # the preset's name, `auto`, or the file's path as given
    path: Path | None = None
    description: str = ""
    interfaces: frozenset = frozenset(INTERFACES)
    categories: tuple = tuple(tc.CATEGORIES)
    category: dict = field(default_factory=dict)  # category -> {"points": .., "visibility": ..}
    test: dict = field(default_factory=dict)  # test number -> {"points": .., "visibility": ..}
    performance: Performance = field(default_factory=Performance)

    def counts(self, test):
        return test.category in self.categories and required(test) <= self.interfaces

    def visibility(self, number, category):
        for settings in (self.test.get(number, {}), self.category.get(category, {})):
            if "visibility" in settings:
                return settings["visibility"]
        return "visible"

    def points(self, tests):
        """{number: points} for the tests in play (parsed tests; None for a malformed one): a
        test's own `//@ points` or its [test.N] points, scaled so that a category with points
        shares them among its tests."""
        own = {t.number: self.test.get(t.number, {}).get("points", t.points) for t in tests}
        points = dict(own)
        for category, settings in self.category.items():
            members = [t.number for t in tests if t.category == category]
            weight = sum(own[n] for n in members)
            if "points" in settings and weight:
                for n in members:
                    points[n] = settings["points"] * own[n] / weight
        return points

    def header(self, alloc, left_out):
        """The report's line saying which rubric graded and what it left out (`left_out`: the
        tests that do not count), and how to count them."""
        if self.name != AUTO:
            which = f"RUBRIC {self.name}" + (f" ({shown(self.path)})" if self.path.parent == PRESETS else "")
            which += f": {self.description}" if self.description else ""
        elif self.description:
            which = f"RUBRIC auto: {alloc} {self.description}, and the tests of what it defines count"
        else:
            which = f"RUBRIC auto: {alloc} defines none of the families heaplab grades (or was not built)"
        if not left_out:
            return f"{which}; every test counts"
        why = []
        if excluded := sorted({t.category for t in left_out if t.category not in self.categories}):
            why.append(f"the categories {', '.join(excluded)}")
        if lacking := set().union(*(required(t) - self.interfaces for t in left_out)):
            why.append(f"the tests needing {' or '.join(INTERFACES[i] for i in INTERFACES if i in lacking)}")
        return (
            f"{which}. Left out: {' and '.join(why)}, {len(left_out)} tests, {sum(t.points for t in left_out):g} points "
            f"(tests {report.numbers(t.number for t in left_out)}); RUBRIC=full counts them, 0 where an interface is missing"
        )


def shown(path):
    """A path as the report gives it: from the current directory when it is below it."""
    path = Path(path).resolve()
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


def auto(defined):
    """The rubric of the families a slot defines (`defined`: its C names); every family when it
    defines none, as a slot that was not built, whose score is then out of every test."""
    families = [i for i in INTERFACES if set(EVIDENCE[i]) & defined]
    says = f"defines {', '.join(INTERFACES[i] for i in families)}" if families else ""
    return Rubric(AUTO, description=says, interfaces=frozenset(families or INTERFACES))


def load(spec, suite=None):
    """The rubric a `--rubric` names: `auto` (returns None: the caller knows the slot), a preset
    (rubrics/NAME.toml), or a TOML file's path. `suite`: the test numbers a [test.N] may name."""
    if spec == AUTO:
        return None
    path = Path(spec)
    if path.suffix != ".toml" and "/" not in spec:
        path = PRESETS / f"{spec}.toml"
        if not path.exists():
            names = ", ".join([AUTO, *sorted(p.stem for p in PRESETS.glob("*.toml"))])
            raise RubricError(f"RUBRIC={spec}", "name", f"no such preset; give one of {names}, or a .toml file's path")
    try:
        data = tomllib.loads(path.read_text())
    except OSError as e:
        raise RubricError(spec, "file", e.strerror or str(e)) from None
    except tomllib.TOMLDecodeError as e:
        raise RubricError(spec, "file", f"not valid TOML: {e}") from None
    return parse(data, spec, path, suite)


def parse(data, name, path, suite=None):
    where = str(path)
    _known(where, "", data, KEYS)
    rubric = Rubric(name, path=path)
    rubric.description = _string(where, "description", data.get("description", ""))
    if "interfaces" in data:
        rubric.interfaces = frozenset(_names(where, "interfaces", data["interfaces"], INTERFACES))
    if "categories" in data:
        rubric.categories = tuple(_names(where, "categories", data["categories"], tc.CATEGORIES))
    for category, settings in _table(where, "category", data.get("category", {})).items():
        _names(where, "category", [category], tc.CATEGORIES)
        rubric.category[category] = _settings(where, f"category.{category}", settings)
    for key, settings in _table(where, "test", data.get("test", {})).items():
        if not key.isdigit() or (suite is not None and int(key) not in suite):
            known = f" (tests here: {min(suite)}-{max(suite)})" if suite else ""
            raise RubricError(where, f"test.{key}", f"no test numbered {key}{known}")
        rubric.test[int(key)] = _settings(where, f"test.{key}", settings)
    rubric.performance = _performance(where, data.get("performance", {}))
    return rubric


def _known(where, prefix, table, keys):
    for key in table:
        if key not in keys:
            raise RubricError(where, f"{prefix}{key}", f"unknown key; known: {', '.join(keys)}")


def _table(where, key, value):
    if not isinstance(value, dict):
        raise RubricError(where, key, f"expected a table ([{key}.NAME]), got {value!r}")
    return value


def _string(where, key, value):
    if not isinstance(value, str):
        raise RubricError(where, key, f"expected a string, got {value!r}")
    return value


def _names(where, key, value, known):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RubricError(where, key, f"expected a list of names, got {value!r}")
    for v in value:
        if v not in known:
            raise RubricError(where, key, f"unknown name {v!r}; known: {', '.join(known)}")
    return value


def _number(where, key, value, *, low, high=math.inf):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        bound = f"between {low:g} and {high:g}" if high != math.inf else f"at least {low:g}"
        raise RubricError(where, key, f"expected a number {bound}, got {value!r}")
    return value


def _settings(where, prefix, settings):
    settings = _table(where, prefix, settings)
    _known(where, f"{prefix}.", settings, SETTINGS)
    if "points" in settings and not _number(where, f"{prefix}.points", settings["points"], low=0):
        raise RubricError(where, f"{prefix}.points", "expected a positive number, got 0")
    if "visibility" in settings and settings["visibility"] not in VISIBILITIES:
        raise RubricError(where, f"{prefix}.visibility", f"expected one of {', '.join(VISIBILITIES)}, got {settings['visibility']!r}")
    return dict(settings)


def _performance(where, table):
    """The [performance] table: the weights each from 0 to 1, adding up to 1 (either alone sets the
    other); each range two numbers rising from 0 or more (utilization's to 1 at most); the traces
    a list of names, each of a trace file without its .rep."""
    table = _table(where, "performance", table)
    _known(where, "performance.", table, PERFORMANCE_KEYS)
    settings = Performance(**_settings(where, "performance", {k: table[k] for k in SETTINGS if k in table}))
    given = {k: _number(where, f"performance.{k}", table[k], low=0, high=1) for k in WEIGHTS if k in table}
    if len(given) == 1:
        (key, value), = given.items()
        given[WEIGHTS[1 - WEIGHTS.index(key)]] = round(1 - value, 9)
    if given:
        if not math.isclose(sum(given.values()), 1):
            raise RubricError(where, "performance", f"the weights add up to {sum(given.values()):g}, not 1")
        settings.util, settings.throughput = given["util"], given["throughput"]
    for key, high in (("util_range", 1), ("throughput_range", math.inf)):
        if key in table:
            value = table[key]
            if not (isinstance(value, list) and len(value) == 2):
                raise RubricError(where, f"performance.{key}", f"expected two numbers [low, high], got {value!r}")
            low, top = (_number(where, f"performance.{key}", v, low=0, high=high) for v in value)
            if not low < top:
                raise RubricError(where, f"performance.{key}", f"expected the low end below the high one, got {value!r}")
            setattr(settings, key, (low, top))
    if "traces" in table:
        names = table["traces"]
        if not (isinstance(names, list) and names and all(isinstance(n, str) and n and "/" not in n for n in names)):
            raise RubricError(where, "performance.traces", f"expected a list of trace names (no .rep), got {names!r}")
        settings.traces = tuple(n.removesuffix(".rep") for n in names)
    return settings
