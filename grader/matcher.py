"""Expected-output matching: the `//!` syntax of CS61's check.pl.

Each expected line matches one whole output line (trailing whitespace ignored on both sides):

    text               the text itself
    ???  (alone)       any number of lines, zero included
    ???  (inline)      anything within the line
    ??{REGEX}??        the regular expression
    ??{REGEX}=NAME??   the regular expression, remembered as NAME
    ??NAME??           the text NAME captured earlier, again
    ??>=N??            an integer at least N

With `unordered`, every expected line must match a different output line, in any order; a lone
`???` then allows output lines that no expected line matches.

`match()` returns a Mismatch (None when the output matches) naming the first expected line that
could not be matched and the output line it was compared with, so a report can point at it.
"""

import re
from dataclasses import dataclass, field

SKIP = "???"
_TOKEN = re.compile(r"\?\?\?|\?\?\{(.*?)\}(?:=([A-Za-z_]\w*))?\?\?|\?\?>=(-?\d+)\?\?|\?\?([A-Za-z_]\w*)\?\?")


class ExpectationError(ValueError):
    """A `//!` line that cannot be compiled; `.line` is its line number in the test file."""

    def __init__(self, line, message):
        super().__init__(message)
        self.line = line


@dataclass
class Expected:
    """One `//!` line: its text, where it stands, and what it compiles to."""

    text: str
    line: int = 0
    parts: list = field(default_factory=list, repr=False)
    captures: tuple = ()
    uses: tuple = ()
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def skip(self):
        return self.text == SKIP


@dataclass
class Mismatch:
    expected: "Expected | None"  # None: output went on after the expectations ended
    output_index: int  # 0-based index of the output line compared, len(output) at the end


def compile_line(text, line=0):
    """Split an expected line into literal text and tokens; check every regex compiles."""
    text = text.rstrip()
    exp = Expected(text, line)
    if exp.skip:
        return exp
    captures, uses, pos = [], [], 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            exp.parts.append(("text", text[pos : m.start()]))
        regex, name, minimum, ref = m.groups()
        if m.group(0) == SKIP:
            exp.parts.append(("any", None))
        elif regex is not None:
            try:
                re.compile(regex)
            except re.error as e:
                raise ExpectationError(line, f"bad regular expression ??{{{regex}}}??: {e}") from None
            if name in captures:
                raise ExpectationError(line, f"??{{...}}={name}?? captures {name} twice in one line")
            if name:
                captures.append(name)
            exp.parts.append(("regex", (regex, name)))
        elif minimum is not None:
            exp.parts.append(("min", int(minimum)))
        else:
            uses.append(ref)
            exp.parts.append(("ref", ref))
        pos = m.end()
    if pos < len(text):
        exp.parts.append(("text", text[pos:]))
    exp.captures, exp.uses = tuple(captures), tuple(uses)
    return exp


def compile_expectations(lines):
    """Compile (line_number, text) pairs; a ??NAME?? must follow the capture that defines it."""
    compiled, defined = [], set()
    for number, text in lines:
        exp = compile_line(text, number)
        for name in exp.uses:
            if name not in defined and name not in exp.captures:
                raise ExpectationError(number, f"??{name}?? is used before any ??{{...}}={name}?? captures it")
        defined.update(exp.captures)
        compiled.append(exp)
    return compiled


def _line_regex(exp, bound):
    """The regex for one expected line, with captures bound in earlier lines filled in."""
    key = tuple(bound.get(name) for name in exp.uses)
    if key not in exp.cache:
        pieces, minimums = [], []
        for kind, value in exp.parts:
            if kind == "text":
                pieces.append(re.escape(value))
            elif kind == "any":
                pieces.append(".*?")
            elif kind == "regex":
                regex, name = value
                pieces.append(f"(?P<c_{name}>{regex})" if name else f"(?:{regex})")
            elif kind == "min":
                pieces.append(f"(?P<n{len(minimums)}>[-+]?\\d+)")
                minimums.append(value)
            elif value in bound:
                pieces.append(re.escape(bound[value]))
            else:
                pieces.append(f"(?P=c_{value})")
        exp.cache[key] = (re.compile("".join(pieces) + r"\Z", re.DOTALL), minimums)
    return exp.cache[key]


def match_line(exp, line, bound):
    """Captures made (a dict, maybe empty) when `line` matches `exp`, else None."""
    regex, minimums = _line_regex(exp, bound)
    m = regex.match(line.rstrip())
    if not m or any(int(m.group(f"n{i}")) < low for i, low in enumerate(minimums)):
        return None
    return {name: m.group(f"c_{name}") for name in exp.captures}


def match(expected, output_lines, unordered=False):
    """None when `output_lines` satisfy `expected`, else the first Mismatch."""
    if unordered:
        return _match_unordered(expected, output_lines)
    return _match_ordered(expected, output_lines)


def _match_ordered(expected, output):
    # Backtracking happens only at lone ??? lines, so recursion is as deep as there are of
    # those. `furthest` keeps the deepest failure: the line a reader wants to see is the first
    # one that could not be matched on the most promising path.
    furthest = (0, 0)
    tried = set()

    def walk(i, j, bound):
        nonlocal furthest
        while i < len(expected):
            exp = expected[i]
            if exp.skip:
                key = (i, j, tuple(sorted(bound.items())))
                if key in tried:
                    return False
                tried.add(key)
                return any(walk(i + 1, k, bound) for k in range(j, len(output) + 1))
            made = match_line(exp, output[j], bound) if j < len(output) else None
            if made is None:
                furthest = max(furthest, (i, j))
                return False
            bound = {**bound, **made} if made else bound
            i, j = i + 1, j + 1
        if j < len(output):
            furthest = max(furthest, (i, j))
        return j == len(output)

    if walk(0, 0, {}):
        return None
    i, j = furthest
    return Mismatch(expected[i] if i < len(expected) else None, j)


def _match_unordered(expected, output):
    lines = [e for e in expected if not e.skip]
    extra_allowed = len(lines) < len(expected)
    for exp in lines:
        missing = [u for u in exp.uses if u not in exp.captures]
        if missing:
            raise ExpectationError(exp.line, f"??{missing[0]}?? refers to another line, which //!!UNORDERED does not allow")
    fits = [[j for j, out in enumerate(output) if match_line(e, out, {}) is not None] for e in lines]
    owner = {}  # output index -> expected index; Kuhn's augmenting paths for a maximum matching

    def assign(i, seen):
        for j in fits[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or assign(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i, exp in enumerate(lines):
        if not assign(i, set()):
            return Mismatch(exp, len(output))
    if not extra_allowed and len(output) > len(lines):
        first_unmatched = min(j for j in range(len(output)) if j not in owner)
        return Mismatch(None, first_unmatched)
    return None
