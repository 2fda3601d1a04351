"""heaplab reads and matches `//!` lines as check.pl does, on every row of checkpl_table.py."""

import pytest

from grader import matcher
from grader import testcase as tc
from grader import verdict as V
from grader.tests.checkpl_table import ROWS
from grader.tests.test_testcase import write


def verdict_of(mismatch, output):
    """A Mismatch in the table's terms; statistics lines are reported like any extra line."""
    if mismatch is None:
        return None
    if mismatch.expected is None:
        return ("extra", None, output[mismatch.output_index])
    if mismatch.output_index == len(output):
        return ("missing", mismatch.expected.text, None)
    return ("unexpected", mismatch.expected.text, output[mismatch.output_index])


@pytest.mark.parametrize("lines, output, checkpl", [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_agrees_with_checkpl(tmp_path, lines, output, checkpl):
    header = ["//@ category: basic"] + (["//@ exit: abort"] if "//!!ABORT" in lines else [])
    test = tc.parse(write(tmp_path, "\n".join(header + lines) + "\n"))
    out = V.output_lines(output)
    mismatch = matcher.match(test.expected, out, test.unordered, sort=test.sort, abort=test.abort)
    if checkpl and checkpl[0] == "statistics":
        checkpl = ("extra",) + checkpl[1:]
    assert verdict_of(mismatch, out) == checkpl


def test_the_table_covers_enough():
    assert len(ROWS) >= 40
    assert len({name for name, *_ in ROWS}) == len(ROWS), "two rows share a name"
