"""Parsing a test file's `//@` and `//!` lines, and the T= selection."""

import pytest

from grader import testcase as tc


def write(tmp_path, text, name="007-example.c"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_metadata_and_expectations(tmp_path):
    t = tc.parse(write(tmp_path, """\
//@ category: realloc
//@ points: 2
//@ timeout: 2.5
//@ mode: static preload
//@ needs: aligned
//@ exit: abort
//@ args: 10 "two words"
int main(void) { return 0; }
//! first
//!   indented
//! ???
"""))
    assert (t.number, t.name, t.category, t.points, t.timeout) == (7, "007-example", "realloc", 2, 2.5)
    assert (t.modes, t.needs, t.exit, t.args) == (("static", "preload"), ("aligned",), "abort", ["10", "two words"])
    assert [e.text for e in t.expected] == ["first", "  indented", "???"]
    assert [e.skip for e in t.expected] == [False, False, True]
    assert [e.line for e in t.expected] == [9, 10, 11]


def test_defaults(tmp_path):
    t = tc.parse(write(tmp_path, "//@ category: basic\n"))
    assert (t.points, t.timeout, t.modes, t.needs, t.exit, t.args, t.expected) == (1, 10, ("static",), (), "0", [], [])
    assert not t.unordered


def test_unordered(tmp_path):
    assert tc.parse(write(tmp_path, "//@ category: basic\n//!!UNORDERED\n//! a\n")).unordered


def test_checkpl_directives(tmp_path):
    t = tc.parse(write(tmp_path, """\
//@ category: errors
//@ exit: abort
//!!SORT
//!!TIME
//!!ABORT
//!!ALLOW_ASAN_WARNING
//!!DISALLOW_ASAN_WARNING  \t
//! a
"""))
    assert (t.unordered, t.sort, t.show_time, t.abort) == (False, True, True, True)
    assert [e.text for e in t.expected] == ["a"]


def test_an_empty_expected_line_is_the_prefix_and_its_space(tmp_path):
    t = tc.parse(write(tmp_path, "//@ category: basic\n//! \n"))
    assert [e.text for e in t.expected] == [""]


@pytest.mark.parametrize(
    "line, complaint",
    [
        ("//@ categroy: basic", "key one of"),
        ("//@ category basic", "key one of"),
        ("//@ category: nonsense", "unknown category"),
        ("//@ points: -1", "points"),
        ("//@ timeout: soon", "timeout"),
        ("//@ mode: dynamic", "unknown mode"),
        ("//@ needs: telepathy", "unknown interface"),
        ("//@ exit: crash", "exit"),
        ("//@ exit: 300", "exit"),
        ("//@ args: 'unclosed", "args"),
        ("//!!ORDERED", "unknown directive"),
        ("//!!UNORDERED please", "unknown directive"),
        ("//! ??{(}??", "regular expression"),
        ("//!no space", "one space"),
        ("//!", "one space"),
        ("  //! indented", "first column"),
        ("//!!ABORT", "//@ exit: fail"),
        ("//@ points: 2", "given twice"),
    ],
)
def test_a_malformed_line_names_file_and_line(tmp_path, line, complaint):
    path = write(tmp_path, f"//@ points: 1\n{line}\n//@ category: basic\n")
    with pytest.raises(tc.TestcaseError) as e:
        tc.parse(path)
    assert str(e.value).startswith(f"{path}:2: ")
    assert complaint in str(e.value)


def test_missing_category(tmp_path):
    with pytest.raises(tc.TestcaseError, match="missing `//@ category"):
        tc.parse(write(tmp_path, "int main(void) { return 0; }\n"))


def test_selection():
    assert tc.parse_selection("12") == {12}
    assert tc.parse_selection("3,7-9") == {3, 7, 8, 9}
    for bad in ("x", "9-7", "1,,2", "-3"):
        with pytest.raises(ValueError, match="T="):
            tc.parse_selection(bad)


def test_every_shipped_testcase_parses():
    from pathlib import Path

    directory = Path(__file__).resolve().parents[2] / "testcases"
    files = sorted(directory.glob("[0-9][0-9][0-9]-*.c"))
    # Every C file there is a test: one the pattern missed would be checked by nothing.
    assert files and files == sorted(directory.glob("*.c"))
    numbers = [tc.parse(f).number for f in files]
    assert len(numbers) == len(set(numbers)), "two test files share a number"


def test_a_comment_may_follow_a_value(tmp_path):
    t = tc.parse(write(tmp_path, """\
//@ category: realloc  // grows and shrinks
//@ points: 2 // worth more
//@ args: http://example.org "a // b" '//c' // a comment starts a word outside quotes
"""))
    assert (t.category, t.points) == ("realloc", 2)
    assert t.args == ["http://example.org", "a // b", "//c"]


def test_declared_points_of_a_malformed_test(tmp_path):
    assert tc.declared_points(write(tmp_path, "//@ categroy: basic\n//@ points: 3 // hard\n")) == 3
    assert tc.declared_points(write(tmp_path, "//@ points: lots\n")) == 1
    assert tc.declared_points(write(tmp_path, "int main(void) { return 0; }\n")) == 1


def test_a_selection_stops_at_three_digits():
    assert tc.parse_selection("998-5000") == {998, 999}
    assert tc.parse_selection("1000") == set()
