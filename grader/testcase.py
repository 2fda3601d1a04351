"""A numbered test program: its `//@` metadata and its `//!` expected output.

    //@ category: realloc        //@ mode: static preload     //@ exit: 0 | 3 | abort | fail | signal | any
    //@ points: 2                //@ needs: aligned           //@ args: 100 4
    //@ timeout: 10
    //! expected output line     //!!UNORDERED  //!!SORT  //!!TIME  //!!ABORT

A `//` starting a word outside quotes ends a `//@` value: `//@ points: 3  // hard` is 3.

A file is named `NNN-what-it-checks.c`, or, as CS61's handouts name theirs, `testNNN.c` or
`testNNN.cc` (C++). A `heaplab.toml` beside the tests gives defaults for the `//@` keys of every
test in its folder (a handout's tests carry no `//@` lines); a test's own `//@` lines win. A
handout-named test's exit status is not checked unless the folder or the test asks: check.pl
ignores it.

A malformed line raises TestcaseError naming the file and line, before anything runs.
"""

import re
import shlex
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from grader import matcher

CATEGORIES = (
    "basic alignment calloc realloc edge stress threads footprint real-programs statistics "
    "errors boundary leaks heavy-hitters heap-report performance"
).split()
MODES = ("static", "preload")
# Optional interfaces (docs/slot.md) and a symbol whose presence shows the slot defines each.
INTERFACES = {
    "aligned": ("posix_memalign", "aligned_alloc", "memalign", "malloc_usable_size"),
    "dmalloc": ("dmalloc_malloc", "dmalloc_free", "dmalloc_get_statistics"),
    "heap-report": ("malloc_stats", "alloc_check_heap"),
}
FILE_NAME = re.compile(r"^(?:(\d{3})-[A-Za-z0-9_-]+\.c|test(\d{3})\.(?:c|cc))$")
CONFIG = "heaplab.toml"


def number_of(path):
    """The test number a file's name gives, or None for a file that is not a test."""
    m = FILE_NAME.match(Path(path).name)
    return int(m.group(1) or m.group(2)) if m else None


def is_handout_name(path):
    return Path(path).name.startswith("test")


def test_files(directory):
    """The test files directly in a folder, by number."""
    return sorted((f for f in Path(directory).iterdir() if number_of(f) is not None), key=number_of)


class TestcaseError(Exception):
    """A malformed test file; str() is `FILE:LINE: what is wrong`."""

    def __init__(self, path, line, message):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line = path, line


@dataclass
class Testcase:
    path: Path
    number: int
    name: str  # the file name without .c or .cc, e.g. 001-malloc-basic or test001
    category: str = ""
    points: float = 1
    timeout: float = 10
    modes: tuple = ("static",)
    needs: tuple = ()
    exit: str = "0"
    args: list = field(default_factory=list)
    tracker: tuple = ()  # what the test asks of the tracker beyond its checks: ("payload",)
    expected: list = field(default_factory=list)
    unordered: bool = False
    sort: bool = False
    show_time: bool = False
    abort: bool = False

    @property
    def build_name(self):
        """Its program's path under the build's tests/ folder: a course folder's tests are built
        in a folder of that folder's name, as the Makefile does."""
        folder = self.path.parent.name
        return self.name if folder == "testcases" else f"{folder}/{self.name}"


def _positive_number(text):
    value = float(text)
    if not value > 0:
        raise ValueError("must be positive")
    return int(value) if value == int(value) else value


def _parse_modes(text):
    modes = tuple(dict.fromkeys(text.replace(",", " ").split()))
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise ValueError(f"unknown mode {bad[0] if bad else '(none)'!r}; use static, preload or both")
    return modes


def _parse_needs(text):
    needs = tuple(text.replace(",", " ").split())
    bad = [n for n in needs if n not in INTERFACES]
    if bad:
        raise ValueError(f"unknown interface {bad[0]!r}; known: {', '.join(INTERFACES)}")
    return needs


def _parse_exit(text):
    if text in ("abort", "fail", "signal", "any") or re.fullmatch(r"\d{1,3}", text) and int(text) < 256:
        return text
    raise ValueError(f"{text!r} is not 0-255, abort, fail, signal or any")


def _parse_tracker(text):
    asks = tuple(text.replace(",", " ").split())
    if asks != ("payload",):
        raise ValueError(f"{text!r}: the tracker can be asked for `payload` (docs/test-format.md)")
    return asks


def _parse_category(text):
    if text not in CATEGORIES:
        raise ValueError(f"unknown category {text!r}; known: {', '.join(CATEGORIES)}")
    return text


_KEYS = {
    "category": _parse_category,
    "points": _positive_number,
    "timeout": _positive_number,
    "mode": _parse_modes,
    "needs": _parse_needs,
    "exit": _parse_exit,
    "args": shlex.split,
    "tracker": _parse_tracker,
}
_FIELD = {"mode": "modes"}


# check.pl's directives, and the Testcase flag each sets; heaplab runs no ASan, so the ASan
# warning directives are accepted and change nothing.
DIRECTIVES = {
    "UNORDERED": "unordered",
    "SORT": "sort",
    "TIME": "show_time",
    "ABORT": "abort",
    "ALLOW_ASAN_WARNING": None,
    "DISALLOW_ASAN_WARNING": None,
}


def _read_expectation(path, number, line, directives, expected):
    """check.pl reads `//! TEXT` and `//!!DIRECTIVE` from the first column only and passes over
    any other `//!` line; such a line is a slip here, so it is reported instead."""
    if not line.startswith("//!"):
        raise TestcaseError(path, number, "`//!` lines start in the first column")
    if line.startswith("//!!"):
        name = line[4:].rstrip(matcher.WHITESPACE)
        if name not in DIRECTIVES:
            known = ", ".join(f"//!!{d}" for d in DIRECTIVES)
            raise TestcaseError(path, number, f"unknown directive {line.strip()!r}; known: {known}")
        directives[name] = number
    elif line.startswith("//! "):
        expected.append((number, line[4:]))
    else:
        raise TestcaseError(path, number, "an expected line is `//!`, one space, then the text")


def _apply_directives(path, test, directives):
    for name, flag in DIRECTIVES.items():
        if flag and name in directives:
            setattr(test, flag, True)
    if test.abort and test.exit in ("0", "any"):
        raise TestcaseError(
            path, directives["ABORT"], "//!!ABORT wants a failing exit: add `//@ exit: fail`, `abort`, `signal` or a nonzero status"
        )


def _strip_comment(value):
    """`2  // why` -> `2`: a `//` that starts a word outside quotes starts a comment, so that
    `args: http://host` and `args: "a // b"` keep theirs."""
    quote, escaped = None, False
    for i, ch in enumerate(value):
        if escaped:
            escaped = False
        elif ch == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif value.startswith("//", i) and (i == 0 or value[i - 1].isspace()):
            return value[:i].rstrip()
    return value


def _set(test, path, line, key, value):
    try:
        setattr(test, _FIELD.get(key, key), _KEYS[key](value))
    except ValueError as e:
        raise TestcaseError(path, line, f"{key}: {e}") from None


def folder_defaults(directory):
    """The `//@` defaults of a folder's heaplab.toml: {key: text}; {} when it has none."""
    config = Path(directory) / CONFIG
    if not config.exists():
        return {}
    try:
        data = tomllib.loads(config.read_text())
    except tomllib.TOMLDecodeError as e:
        raise TestcaseError(config, 0, f"not valid TOML: {e}") from None
    bad = [k for k in data if k not in _KEYS]
    if bad:
        raise TestcaseError(config, 0, f"unknown key {bad[0]!r}; known: {', '.join(_KEYS)}")
    return {k: " ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in data.items()}


def parse(path):
    path = Path(path)
    number = number_of(path)
    if number is None:
        raise TestcaseError(path, 0, "a test file is named NNN-what-it-checks.c, testNNN.c or testNNN.cc")
    test = Testcase(path=path, number=number, name=path.stem)
    if is_handout_name(path):
        test.exit = "any"
    defaults = folder_defaults(path.parent)
    for key, value in defaults.items():
        _set(test, path.parent / CONFIG, 0, key, value)
    seen, expected, directives = set(), [], {}
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("//@"):
            key, sep, value = stripped[3:].partition(":")
            key, value = key.strip(), _strip_comment(value.strip())
            if not sep or key not in _KEYS:
                raise TestcaseError(path, number, f"expected `//@ key: value` with key one of {', '.join(_KEYS)}")
            if key in seen:
                raise TestcaseError(path, number, f"`{key}` given twice")
            _set(test, path, number, key, value)
            seen.add(key)
        elif stripped.startswith("//!"):
            _read_expectation(path, number, line, directives, expected)
    if "category" not in seen | set(defaults):
        raise TestcaseError(path, 1, f"missing `//@ category: ...` (or a {CONFIG} beside it giving `category`)")
    _apply_directives(path, test, directives)
    try:
        test.expected = matcher.compile_expectations(expected)
    except matcher.ExpectationError as e:
        raise TestcaseError(path, e.line, str(e)) from None
    return test


def declared_points(path):
    """What a malformed test is worth: its `//@ points:` where that parses, else the default,
    so that a broken test costs its points instead of vanishing from the maximum."""
    for line in Path(path).read_text(errors="replace").splitlines():
        key, sep, value = line.strip().removeprefix("//@").partition(":")
        if line.strip().startswith("//@") and sep and key.strip() == "points":
            try:
                return _positive_number(_strip_comment(value.strip()))
            except ValueError:
                break
    return Testcase.points


def parse_selection(text):
    """`12`, `3,7-9` -> {3, 7, 8, 9}; ValueError with a plain message when malformed."""
    numbers = set()
    for part in text.replace(" ", "").split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ValueError(f"T={text}: {part!r} is not a test number or a range like 7-9")
        low, high = int(m.group(1)), int(m.group(2) or m.group(1))
        if high < low:
            raise ValueError(f"T={text}: range {part} is empty")
        # Test numbers have three digits: `T=1-99999999` must not build a huge set.
        numbers.update(range(low, min(high, 999) + 1))
    return numbers


def debugger_command(tool, test, slot):
    """The command line that starts the test under gdb or valgrind, in the test's own mode."""
    mode = "static" if "static" in test.modes else "preload"
    program = [str(slot.program(test, mode).resolve()), *test.args]
    preload = f"LD_PRELOAD={slot.shared_object.resolve()}"
    if tool == "gdb":
        env = ["-ex", f"set environment {preload}"] if mode == "preload" else []
        return ["gdb", *env, "--args", *program]
    # Memcheck keeps the slot's malloc rather than replacing it with its own.
    valgrind = ["valgrind", "--soname-synonyms=somalloc=nouserintercepts", "--error-exitcode=99", *program]
    return (["env", preload] if mode == "preload" else []) + valgrind


def preload_tests(directory):
    """The names of the tests in the folder that run in preload mode, as this parser reads their
    `//@ mode:` and their folder's defaults; a malformed test has none (it never runs), nor a
    folder that does not exist (the grader says so)."""
    names = []
    for path in test_files(directory) if Path(directory).is_dir() else []:
        try:
            test = parse(path)
        except TestcaseError:
            continue
        if "preload" in test.modes:
            names.append(test.name)
    return names


def main(argv):
    """`python3 -m grader.testcase preload-tests DIR`: the tests of DIR with a preload build (for
    the Makefile). `python3 -m grader.testcase gdb|valgrind DIR NUMBER SLOT BUILD`: the command
    that runs one test under the tool (for `make gdb T=N` and `make valgrind T=N`)."""
    from grader.slot import Slot

    if argv[:1] == ["preload-tests"] and len(argv) == 2:
        print(" ".join(preload_tests(argv[1])))
        return 0
    tool, directory, number, slot, build = argv
    try:
        wanted = parse_selection(number)
        files = [f for f in test_files(directory) if number_of(f) in wanted]
        if len(wanted) != 1 or not files:
            raise ValueError(f"T={number}: give the number of one test in {directory}/")
        test = parse(files[0])
    except (ValueError, TestcaseError) as e:
        print(e, file=sys.stderr)
        return 2
    print(shlex.join(debugger_command(tool, test, Slot(Path(slot), Path(build)))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
