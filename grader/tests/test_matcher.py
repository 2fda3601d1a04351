"""The `//!` syntax: every feature, matching and not matching."""

import pytest

from grader.matcher import ExpectationError, compile_expectations, match


def check(expected, output, unordered=False):
    exp = compile_expectations(list(enumerate(expected, 1)))
    return match(exp, output, unordered)


def test_exact_lines_match():
    assert check(["a", "b"], ["a", "b"]) is None


def test_trailing_whitespace_is_ignored_on_both_sides():
    assert check(["a  "], ["a"]) is None
    assert check(["a"], ["a \t"]) is None


def test_leading_whitespace_counts():
    m = check(["  a"], ["a"])
    assert m is not None and m.expected.text == "  a"


def test_a_different_line_is_the_first_difference():
    m = check(["a", "b", "c"], ["a", "x", "c"])
    assert (m.expected.text, m.output_index) == ("b", 1)


def test_missing_and_extra_output_lines_fail():
    m = check(["a", "b"], ["a"])
    assert (m.expected.text, m.output_index) == ("b", 1)
    m = check(["a"], ["a", "extra"])
    assert (m.expected, m.output_index) == (None, 1)


def test_no_expectations_means_no_output():
    assert check([], []) is None
    assert check([], ["anything"]).output_index == 0


def test_lone_skip_matches_any_number_of_lines():
    assert check(["a", "???", "z"], ["a", "z"]) is None
    assert check(["a", "???", "z"], ["a", "1", "2", "3", "z"]) is None
    assert check(["???"], []) is None
    assert check(["a", "???", "z"], ["a", "1", "y"]) is not None


def test_skip_backtracks_to_a_later_occurrence():
    assert check(["???", "x", "y"], ["x", "q", "x", "y"]) is None


def test_inline_skip_matches_within_a_line():
    assert check(["ptr ??? bytes"], ["ptr 0x1234 is 12 bytes"]) is None
    assert check(["ptr ??? bytes"], ["ptr 0x1234 is 12 kilobytes!"]) is not None


def test_inline_regex():
    assert check(["n = ??{[0-9]+}??"], ["n = 42"]) is None
    assert check(["n = ??{[0-9]+}??"], ["n = 4a"]) is not None
    assert check(["??{a{2}}??b"], ["aab"]) is None


def test_regex_characters_in_text_are_literal():
    assert check(["a.b (c)*"], ["a.b (c)*"]) is None
    assert check(["a.b"], ["axb"]) is not None


def test_capture_must_repeat_on_a_later_line():
    exp = ["alloc ??{0x[0-9a-f]+}=ptr??", "free ??ptr??"]
    assert check(exp, ["alloc 0x10", "free 0x10"]) is None
    m = check(exp, ["alloc 0x10", "free 0x20"])
    assert m.expected.text == "free ??ptr??"


def test_capture_repeated_in_the_same_line():
    assert check(["??{[a-z]+}=w?? and ??w??"], ["dog and dog"]) is None
    assert check(["??{[a-z]+}=w?? and ??w??"], ["dog and cat"]) is not None


def test_capture_with_skip_backtracks_over_bindings():
    exp = ["???", "p=??{[0-9]+}=n??", "q=??n??"]
    assert check(exp, ["p=1", "p=2", "q=2"]) is None


def test_at_least():
    assert check(["count ??>=100??"], ["count 100"]) is None
    assert check(["count ??>=100??"], ["count 12345"]) is None
    assert check(["count ??>=100??"], ["count 99"]) is not None
    assert check(["count ??>=100??"], ["count many"]) is not None
    assert check(["??>=-5??"], ["-3"]) is None


def test_unordered_any_order():
    assert check(["a", "b", "c"], ["c", "a", "b"], unordered=True) is None
    assert check(["a", "b"], ["a", "a"], unordered=True) is not None
    assert check(["a", "b"], ["a", "b", "c"], unordered=True) is not None


def test_unordered_needs_a_matching_not_greedy_choice():
    # Greedy would give "x ???" the line "x 1" and leave "x 1" without one.
    assert check(["x ???", "x 1"], ["x 1", "x 2"], unordered=True) is None


def test_unordered_with_skip_allows_extra_lines():
    assert check(["b", "???"], ["a", "b", "c"], unordered=True) is None


def test_a_bad_regex_names_its_line():
    with pytest.raises(ExpectationError) as e:
        check(["ok", "??{[}??"], [])
    assert e.value.line == 2 and "regular expression" in str(e.value)


def test_a_reference_before_its_capture_names_its_line():
    with pytest.raises(ExpectationError) as e:
        check(["??nope??"], [])
    assert e.value.line == 1 and "nope" in str(e.value)


def test_long_outputs_do_not_recurse():
    lines = [f"line {i}" for i in range(20000)]
    assert check(lines, lines) is None
    assert check(["???", "line 19999"], lines) is None
