"""Expected-output matching: the `//!` syntax of CS61's check.pl, with check.pl's exact rules.

A `//! TEXT` line expects one output line. TEXT has its trailing whitespace dropped and may hold:

    ???                anything within the line, nothing included
    ??{REGEX}??        the regular expression
    ??{REGEX}=NAME??   the regular expression; what it matched is remembered as NAME
    ??NAME??           once NAME is remembered, that text again (read as a regular expression,
                       as check.pl does); before that, the literal text `??NAME??`
    ??>=N??            an unsigned decimal integer at least N (N itself is digits only)

Spaces just before `???`, `??{REGEX}??` and `??>=N??` stand for one or more whitespace
characters, spaces at the start of TEXT for any leading whitespace (none included), and the
output line may end in whitespace; other text is literal. `//! ???` alone on its line lets any
number of output lines go by until one matches the next expectation (the first one that does: a
skip never backtracks), or, after the last expectation, lets any output follow.

Matching reads the output lines in order. Each line must match the next expectation, be skipped
by a lone `???` before it, or, with `unordered`, match any remaining expectation (the first that
fits takes it; only a lone `???` before the first remaining one lets a line go by). `sort` sorts
the output lines before all this; `abort` forbids `alloc count`/`alloc size` lines once every
expectation is met.

`match()` returns None or a Mismatch naming the expectation matching stopped at and the output
line it stopped on, so a report can point at both.
"""

import re
from dataclasses import dataclass, field

SKIP = "???"
WHITESPACE = " \t\n\r\f\v"
_TOKEN = re.compile(r"(\?\?\?|\?\?\{.*?\}(?:=\w+)?\?\?|\?\?>=\d+\?\?)", re.ASCII)
_CAPTURE = re.compile(r"\?\?\{(.*)\}=(\w+)\?\?", re.ASCII)
_REGEX = re.compile(r"\?\?\{(.*)\}\?\?")
_AT_LEAST = re.compile(r"\?\?>=(\d+)\?\?", re.ASCII)
_SPACES_AT_END = re.compile(r"(?:\\ )+\Z")
_SPACES_AT_START = re.compile(r"\A(?:\\ )+")
STATISTICS = ("alloc count", "alloc size")


class ExpectationError(ValueError):
    """A `//!` line that cannot be compiled; `.line` is its line number in the test file."""

    def __init__(self, line, message):
        super().__init__(message)
        self.line = line


@dataclass
class Expected:
    """One `//!` line: its text, where it stands, and the regex it compiles to."""

    text: str
    line: int = 0
    skip: bool = False  # a lone ??? rather than an expected line
    regex: str = field(default="", repr=False)  # ??NAME?? still unresolved
    captures: tuple = ()  # names for the regex's groups 1, 2, ... in order
    cache: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass
class Mismatch:
    expected: "Expected | None"  # None: output went on after the expectations ended
    output_index: int  # 0-based index of the output line compared, len(output) at the end


def output_lines(output):
    """Split as check.pl does: at newlines only, empty lines at the very end dropped."""
    lines = output.split("\n")
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _at_least(digits):
    """A regex for decimal numbers >= digits: longer numbers, or as long with a bigger digit
    at the first place they differ."""
    digits = digits.lstrip("0") or "0"
    alternatives = [f"0*[1-9]\\d{{{len(digits)},}}"]
    for i, d in enumerate(digits):
        last = i == len(digits) - 1
        if d == "9" and not last:
            continue
        bigger = f"[{d}-9]" if last else f"[{int(d) + 1}-9]"
        alternatives.append("0*" + digits[:i] + bigger + "\\d" * (len(digits) - i - 1))
    return "(?:" + "|".join(alternatives) + ")(?!\\d)"


def _loosen_spaces_before(regex):
    return _SPACES_AT_END.sub(r"\\s+", regex)


def compile_line(text, line=0):
    """The regex of one `//!` line's TEXT (what follows `//! `)."""
    text = text.rstrip(WHITESPACE)
    if text == SKIP:
        return Expected(text, line, skip=True)
    regex, captures = "", []
    for i, part in enumerate(_TOKEN.split(text)):
        if i % 2 == 0:
            regex += re.escape(part)
        elif part == SKIP:
            regex = _loosen_spaces_before(regex) + ".*"
        elif m := _CAPTURE.fullmatch(part):
            regex += f"({m[1]})"
            captures.append(m[2])
        elif m := _REGEX.fullmatch(part):
            regex = _loosen_spaces_before(regex) + f"(?:{m[1]})"
        else:
            regex = _loosen_spaces_before(regex) + _at_least(_AT_LEAST.fullmatch(part)[1])
    regex = _SPACES_AT_START.sub(r"\\s*", regex + r"\s*")
    try:
        compiled = re.compile(regex, re.ASCII)
    except re.error as e:
        raise ExpectationError(line, f"bad regular expression in {text!r}: {e}") from None
    exp = Expected(text, line, regex=regex, captures=tuple(captures))
    exp.cache[regex] = compiled
    return exp


def compile_expectations(lines):
    """Compile (line_number, text) pairs, lone ??? lines included, in file order."""
    return [compile_line(text, number) for number, text in lines]


def match_line(exp, line, remembered):
    """Whether `line` matches `exp`; on a match, its captures go into `remembered`."""
    source = exp.regex
    for name, value in remembered.items():
        source = source.replace(f"\\?\\?{name}\\?\\?", value)
    if source not in exp.cache:
        try:
            exp.cache[source] = re.compile(source, re.ASCII)
        except re.error:  # remembered text that is no regex: check.pl dies, nothing matches
            exp.cache[source] = None
    regex = exp.cache[source]
    m = regex.fullmatch(line) if regex else None
    if m:
        for group, name in enumerate(exp.captures, 1):
            remembered[name] = m.group(group) or ""
    return m is not None


def match(expected, output, unordered=False, sort=False, abort=False):
    """None when the output lines satisfy `expected`, else the Mismatch where matching stopped."""
    order = sorted(range(len(output)), key=output.__getitem__) if sort else range(len(output))
    mismatch = _compare(expected, [output[i] for i in order], unordered, abort)
    if mismatch and mismatch.output_index < len(output):
        mismatch.output_index = order[mismatch.output_index]
    return mismatch


def _compare(expected, output, unordered, abort):
    pending, skippable = [], False  # (expectation, output may be skipped before it); None once met
    for exp in expected:
        if exp.skip:
            skippable = True
        else:
            pending.append((exp, skippable))
            skippable = False
    remembered, first = {}, 0
    for index, line in enumerate(output):
        while first < len(pending) and pending[first] is None:
            first += 1
        if first == len(pending):
            if (abort and line.startswith(STATISTICS)) or not skippable:
                return Mismatch(None, index)
            continue
        candidates = range(first, len(pending)) if unordered else (first,)
        found = next((k for k in candidates if pending[k] and match_line(pending[k][0], line, remembered)), None)
        if found is not None:
            pending[found] = None
        elif not pending[first][1]:
            return Mismatch(pending[first][0], index)
    unmet = [p for p in pending[first:] if p]
    return Mismatch(unmet[0][0], len(output)) if unmet else None
