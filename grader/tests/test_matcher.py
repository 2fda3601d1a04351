"""The `//!` syntax: every feature, matching and not matching (check.pl's own verdicts on
many more cases are in checkpl_table.py)."""

import pytest

from grader.matcher import ExpectationError, compile_expectations, match, output_lines


def check(expected, output, **flags):
    exp = compile_expectations(list(enumerate(expected, 1)))
    return match(exp, output, **flags)


def test_exact_lines_match():
    assert check(["a", "b"], ["a", "b"]) is None


def test_trailing_whitespace_is_ignored_on_both_sides():
    assert check(["a  "], ["a"]) is None
    assert check(["a"], ["a \t"]) is None


def test_leading_spaces_stand_for_any_leading_whitespace():
    assert check(["  a"], ["a"]) is None
    assert check(["  a"], ["\t   a"]) is None
    m = check(["a"], [" a"])
    assert m is not None and m.expected.text == "a"


def test_spaces_before_a_token_stand_for_one_or_more_whitespace():
    assert check(["total        ???"], ["total   32226604"]) is None
    assert check(["active  ??>=400??"], ["active 512"]) is None
    assert check(["n = ??{[0-9]+}??"], ["n =\t42"]) is None
    assert check(["n = ??{[0-9]+}??"], ["n =42"]) is not None
    assert check(["total ???"], ["total"]) is not None


def test_other_spaces_are_literal():
    assert check(["a  b"], ["a b"]) is not None
    assert check(["p ??{[0-9]+}=n??"], ["p  5"]) is not None


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


def test_skip_stops_at_the_first_line_that_matches():
    m = check(["???", "x", "y"], ["x", "q", "x", "y"])
    assert (m.expected.text, m.output_index) == ("y", 1)


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


def test_a_name_not_yet_captured_is_literal_text():
    assert check(["??{[a-z]+}=w?? and ??w??"], ["dog and ??w??"]) is None
    assert check(["??{[a-z]+}=w?? and ??w??"], ["dog and dog"]) is not None
    assert check(["??nope??"], ["??nope??"]) is None


def test_a_capture_is_reused_as_a_regex():
    assert check(["??{[0-9.]+}=v??", "??v??"], ["1.5", "1x5"]) is None


def test_a_later_capture_replaces_an_earlier_one():
    exp = ["??{[0-9]+}=n??", "??{[0-9]+}=n??", "??n??"]
    assert check(exp, ["1", "2", "2"]) is None
    assert check(exp, ["1", "2", "1"]) is not None


def test_at_least():
    assert check(["count ??>=100??"], ["count 100"]) is None
    assert check(["count ??>=100??"], ["count 12345"]) is None
    assert check(["count ??>=100??"], ["count 99"]) is not None
    assert check(["count ??>=100??"], ["count many"]) is not None
    assert check(["count ??>=100??"], ["count 0150"]) is None
    assert check(["count ??>=0??"], ["count -1"]) is not None
    assert check(["??>=-5??"], ["-3"]) is not None  # only digits make a bound: this is text


def test_unordered_any_order():
    assert check(["a", "b", "c"], ["c", "a", "b"], unordered=True) is None
    assert check(["a", "b"], ["a", "a"], unordered=True) is not None
    assert check(["a", "b"], ["a", "b", "c"], unordered=True) is not None


def test_unordered_gives_a_line_to_the_first_expectation_it_fits():
    assert check(["x ???", "x 1"], ["x 2", "x 1"], unordered=True) is None
    m = check(["x ???", "x 1"], ["x 1", "x 2"], unordered=True)
    assert (m.expected.text, m.output_index) == ("x 1", 1)


def test_unordered_skip_at_the_end_allows_extra_lines_once_all_matched():
    assert check(["b", "???"], ["b", "c"], unordered=True) is None
    assert check(["b", "???"], ["a", "b", "c"], unordered=True) is not None


def test_sort_sorts_the_output_not_the_expectations():
    assert check(["a", "b"], ["b", "a"], sort=True) is None
    m = check(["b", "a"], ["b", "a"], sort=True)
    assert (m.expected.text, m.output_index) == ("b", 1)  # the index is in the unsorted output


def test_abort_forbids_statistics_after_the_expectations():
    assert check(["a", "???"], ["a", "alloc count: active 0"]) is None
    m = check(["a", "???"], ["a", "Aborted", "alloc size: 0"], abort=True)
    assert (m.expected, m.output_index) == (None, 2)


def test_output_lines_split_like_checkpl():
    assert output_lines("a\r\nb\n\n\n") == ["a\r", "b"]
    assert output_lines("\na") == ["", "a"]
    assert output_lines("") == []


def test_a_bad_regex_names_its_line():
    with pytest.raises(ExpectationError) as e:
        check(["ok", "??{[}??"], [])
    assert e.value.line == 2 and "regular expression" in str(e.value)


def test_long_outputs_do_not_recurse():
    lines = [f"line {i}" for i in range(20000)]
    assert check(lines, lines) is None
    assert check(["???", "line 19999"], lines) is None
