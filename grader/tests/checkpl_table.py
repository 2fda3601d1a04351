"""Rows of `//!` expectations, program output, and the verdict CS61's check.pl gives them.

Every verdict here was obtained by running check.pl itself (its 2024 version; its 2018 version
for the `//!!SORT` rows, the only one that knows SORT) on the row's lines written to a test file
and the row's output as the program's output; test_matcher_checkpl.py checks that heaplab
agrees row by row. A verdict is PASS or one of:

    ("unexpected", EXPECTED, GOT)  the output line GOT is where matching stopped, at EXPECTED
    ("missing", EXPECTED, None)    the output ended before EXPECTED was matched
    ("extra", None, GOT)           GOT came after every expectation was matched
    ("statistics", None, GOT)      //!!ABORT: a statistics line came after the expectations

EXPECTED is the text after `//! ` (trailing whitespace dropped); GOT is the output line.
"""

PASS = None


def unexpected(expected, got):
    return ("unexpected", expected, got)


def missing(expected):
    return ("missing", expected, None)


def extra(got):
    return ("extra", None, got)


def statistics(got):
    return ("statistics", None, got)


# (name, lines of the test file, the program's whole output, check.pl's verdict)
ROWS = [
    # Spaces just before ???, ??{...}?? and ??>=N?? stand for one or more whitespace characters.
    ("spaces-before-inline-skip", ["//! total        ???"], "total   32226604\n", PASS),
    ("skip-needs-whitespace-where-spaces-were", ["//! total ???"], "total\n", unexpected("total ???", "total")),
    ("tab-for-spaces-before-skip", ["//! total ???"], "total\t9\n", PASS),
    ("spaces-before-at-least", ["//! active  ??>=400??"], "active  512\n", PASS),
    ("one-space-for-two-before-at-least", ["//! active  ??>=400??"], "active 512\n", PASS),
    ("no-space-before-at-least", ["//! active  ??>=400??"], "active512\n", unexpected("active  ??>=400??", "active512")),
    ("spaces-before-regex", ["//! n = ??{[0-9]+}??"], "n =    42\n", PASS),
    ("no-space-before-regex", ["//! n = ??{[0-9]+}??"], "n =42\n", unexpected("n = ??{[0-9]+}??", "n =42")),
    ("capture-keeps-its-spaces-literal", ["//! p ??{[0-9]+}=n??"], "p   5\n", unexpected("p ??{[0-9]+}=n??", "p   5")),
    ("capture-with-one-space", ["//! p ??{[0-9]+}=n??"], "p 5\n", PASS),
    ("spaces-between-words-stay-literal", ["//! a  b"], "a b\n", unexpected("a  b", "a b")),
    ("spaces-after-a-token-stay-literal", ["//! ??{x}??  y"], "x y\n", unexpected("??{x}??  y", "x y")),
    # Tokens at the start of the line.
    ("regex-at-line-start", ["//! ??{[a-z]+}?? end"], "abc end\n", PASS),
    ("skip-at-line-start", ["//! ???x"], "abcx\n", PASS),
    ("skip-at-line-start-matches-nothing", ["//! ???x"], "x\n", PASS),
    ("at-least-at-line-start", ["//! ??>=5??"], "7\n", PASS),
    ("at-least-at-line-start-too-small", ["//! ??>=5??"], "3\n", unexpected("??>=5??", "3")),
    # ??? inline, alone on its line, at the end.
    ("inline-skip-in-the-middle", ["//! a ??? b"], "a 1 2 b\n", PASS),
    ("inline-skip-glued-to-text", ["//! a???"], "a\n", PASS),
    ("inline-skip-at-end", ["//! size ???"], "size 12 bytes\n", PASS),
    ("lone-skip-between-lines", ["//! a", "//! ???", "//! z"], "a\n1\n2\nz\n", PASS),
    ("lone-skip-matching-no-line", ["//! a", "//! ???", "//! z"], "a\nz\n", PASS),
    ("lone-skip-at-start", ["//! ???", "//! z"], "x\ny\nz\n", PASS),
    ("lone-skip-at-end", ["//! a", "//! ???"], "a\nb\nc\n", PASS),
    ("lone-skip-at-end-nothing-more", ["//! a", "//! ???"], "a\n", PASS),
    ("lone-skip-only", ["//! ???"], "a\nb\n", PASS),
    ("lone-skip-with-trailing-space", ["//! a", "//! ??? ", "//! z"], "a\nb\nz\n", PASS),
    ("lone-skip-twice", ["//! ???", "//! ???", "//! z"], "y\nz\n", PASS),
    ("lone-skip-does-not-backtrack", ["//! ???", "//! x", "//! y"], "x\nq\nx\ny\n", unexpected("y", "q")),
    ("lone-skip-then-wrong-line", ["//! a", "//! ???", "//! z"], "a\n1\n", missing("z")),
    ("skip-with-two-spaces-is-inline", ["//!  ???"], "   anything\n", PASS),
    ("skip-with-two-spaces-needs-whitespace", ["//!  ???"], "x\n", unexpected(" ???", "x")),
    # Regular expressions, and regex characters in plain text.
    ("regex-characters-in-text-are-literal", ["//! a.b (c)*"], "a.b (c)*\n", PASS),
    ("dot-in-text-is-not-any-character", ["//! a.b"], "axb\n", unexpected("a.b", "axb")),
    ("alternation-stays-inside-the-token", ["//! x ??{a|b}??y"], "x by\n", PASS),
    ("alternation-does-not-leak", ["//! x ??{a|b}??y"], "x a\n", unexpected("x ??{a|b}??y", "x a")),
    ("regex-with-braces", ["//! ??{a{2}}??b"], "aab\n", PASS),
    ("regex-with-escapes", [r"//! [x] ??{\[\d+\]}??"], "[x] [42]\n", PASS),
    # Captures and their reuse.
    ("capture-reused-later", ["//! alloc ??{0x[0-9a-f]+}=ptr??", "//! free ??ptr??"], "alloc 0x10\nfree 0x10\n", PASS),
    (
        "capture-reused-with-other-text",
        ["//! alloc ??{0x[0-9a-f]+}=ptr??", "//! free ??ptr??"],
        "alloc 0x10\nfree 0x20\n",
        unexpected("free ??ptr??", "free 0x20"),
    ),
    ("capture-is-not-known-on-its-own-line", ["//! ??{[a-z]+}=w?? and ??w??"], "dog and dog\n", unexpected("??{[a-z]+}=w?? and ??w??", "dog and dog")),
    ("unknown-name-is-literal-text", ["//! ??{[a-z]+}=w?? and ??w??"], "dog and ??w??\n", PASS),
    ("name-never-captured-is-literal", ["//! ??nope??"], "??nope??\n", PASS),
    ("captured-text-is-used-as-a-regex", ["//! v=??{[0-9.]+}=v??", "//! again ??v??"], "v=1.5\nagain 1x5\n", PASS),
    ("capture-overwritten", [r"//! ??{\w+}=a??", r"//! ??{\w+}=a??", "//! ??a??"], "x\ny\ny\n", PASS),
    (
        "capture-overwritten-old-value-gone",
        [r"//! ??{\w+}=a??", r"//! ??{\w+}=a??", "//! ??a??"],
        "x\ny\nx\n",
        unexpected("??a??", "x"),
    ),
    (
        "capture-under-lone-skip-is-greedy",
        ["//! ???", "//! p=??{[0-9]+}=n??", "//! q=??n??"],
        "p=1\np=2\nq=2\n",
        unexpected("q=??n??", "p=2"),
    ),
    ("two-captures-one-line", ["//! ??{[a-z]+}=x??-??{[0-9]+}=y??", "//! ??y??-??x??"], "ab-12\n12-ab\n", PASS),
    # ??>=N??: an unsigned decimal integer at least N.
    ("at-least-equal", ["//! n ??>=100??"], "n 100\n", PASS),
    ("at-least-below", ["//! n ??>=100??"], "n 99\n", unexpected("n ??>=100??", "n 99")),
    ("at-least-more-digits", ["//! n ??>=100??"], "n 1000\n", PASS),
    ("at-least-leading-zeros", ["//! n ??>=100??"], "n 00150\n", PASS),
    ("at-least-not-a-number", ["//! n ??>=100??"], "n many\n", unexpected("n ??>=100??", "n many")),
    ("at-least-nines", ["//! n ??>=99??"], "n 100\n", PASS),
    ("at-least-nines-below", ["//! n ??>=99??"], "n 98\n", unexpected("n ??>=99??", "n 98")),
    ("at-least-zero", ["//! n ??>=0??"], "n 0\n", PASS),
    ("at-least-zero-negative-output", ["//! n ??>=0??"], "n -3\n", unexpected("n ??>=0??", "n -3")),
    ("at-least-plus-sign", ["//! n ??>=5??"], "n +500\n", unexpected("n ??>=5??", "n +500")),
    ("at-least-not-a-fraction", ["//! t ??>=5??"], "t 7.5\n", unexpected("t ??>=5??", "t 7.5")),
    ("at-least-zeros-in-n", ["//! n ??>=007??"], "n 7\n", PASS),
    ("at-least-zeros-in-n-below", ["//! n ??>=007??"], "n 6\n", unexpected("n ??>=007??", "n 6")),
    ("negative-n-is-literal-text", ["//! ??>=-5??"], "-3\n", unexpected("??>=-5??", "-3")),
    ("negative-n-matches-itself", ["//! ??>=-5??"], "??>=-5??\n", PASS),
    ("at-least-finds-the-big-number", ["//! ??? ??>=100?? ???"], "x 200 y 5 z\n", PASS),
    # //!!UNORDERED: each output line takes the first remaining expectation it matches.
    ("unordered-any-order", ["//!!UNORDERED", "//! a", "//! b", "//! c"], "c\na\nb\n", PASS),
    ("unordered-line-twice", ["//!!UNORDERED", "//! a", "//! b"], "a\na\n", unexpected("b", "a")),
    ("unordered-extra-line", ["//!!UNORDERED", "//! a", "//! b"], "b\na\nc\n", extra("c")),
    ("unordered-missing-line", ["//!!UNORDERED", "//! a", "//! b"], "b\n", missing("a")),
    ("unordered-is-greedy", ["//!!UNORDERED", "//! x ???", "//! x 1"], "x 1\nx 2\n", unexpected("x 1", "x 2")),
    ("unordered-greedy-lucky-order", ["//!!UNORDERED", "//! x ???", "//! x 1"], "x 2\nx 1\n", PASS),
    ("unordered-lone-skip-at-end-needs-all-matched", ["//!!UNORDERED", "//! b", "//! ???"], "a\nb\nc\n", unexpected("b", "a")),
    ("unordered-lone-skip-at-end-after-all-matched", ["//!!UNORDERED", "//! b", "//! ???"], "b\nc\nd\n", PASS),
    ("unordered-lone-skip-first", ["//!!UNORDERED", "//! ???", "//! b"], "a\nb\n", PASS),
    ("unordered-lone-skip-first-no-extra-after", ["//!!UNORDERED", "//! ???", "//! b"], "a\nb\nc\n", extra("c")),
    ("unordered-skip-only-from-the-first-pending", ["//!!UNORDERED", "//! a", "//! ???", "//! b"], "a\nx\nb\n", PASS),
    ("unordered-skip-not-on-first-pending", ["//!!UNORDERED", "//! a", "//! ???", "//! b"], "x\na\nb\n", unexpected("a", "x")),
    ("unordered-capture-across-lines", ["//!!UNORDERED", "//! b ??n??", "//! a ??{[0-9]+}=n??"], "a 1\nb 1\n", PASS),
    ("unordered-capture-not-yet-made", ["//!!UNORDERED", "//! b ??n??", "//! a ??{[0-9]+}=n??"], "b 1\na 1\n", unexpected("b ??n??", "b 1")),
    ("unordered-directive-anywhere", ["//! a", "//! b", "//!!UNORDERED"], "b\na\n", PASS),
    ("unordered-directive-trailing-space", ["//!!UNORDERED  ", "//! a", "//! b"], "b\na\n", PASS),
    # //!!SORT (2018): the output lines are sorted before matching; the expectations are not.
    ("sort-output", ["//!!SORT", "//! a", "//! b", "//! c"], "c\nb\na\n", PASS),
    ("sort-expectations-not-sorted", ["//!!SORT", "//! b", "//! a"], "b\na\n", unexpected("b", "a")),
    ("sort-with-lone-skip", ["//!!SORT", "//! ???", "//! z"], "z\na\n", PASS),
    ("sort-missing-line", ["//!!SORT", "//! a", "//! b"], "b\n", unexpected("a", "b")),
    # Directives that change nothing in matching.
    ("time-accepted", ["//!!TIME", "//! a"], "a\n", PASS),
    ("time-still-checks-output", ["//!!TIME", "//! a"], "b\n", unexpected("a", "b")),
    ("asan-directives-accepted", ["//!!ALLOW_ASAN_WARNING", "//!!DISALLOW_ASAN_WARNING", "//! a"], "a\n", PASS),
    # //!!ABORT (2024): no statistics may follow the expected output.
    ("abort-other-extra-output-allowed", ["//!!ABORT", "//! a", "//! ???"], "a\nAborted\n", PASS),
    ("abort-statistics-after-expectations", ["//!!ABORT", "//! a", "//! ???"], "a\nalloc count: active 0\n", statistics("alloc count: active 0")),
    ("abort-statistics-without-skip", ["//!!ABORT", "//! a"], "a\nalloc size: total 0\n", statistics("alloc size: total 0")),
    ("abort-statistics-expected", ["//!!ABORT", "//! alloc count: ???"], "alloc count: active 0\n", PASS),
    # Trailing whitespace is ignored on both sides.
    ("trailing-spaces-in-expectation", ["//! a   "], "a\n", PASS),
    ("trailing-whitespace-in-output", ["//! a"], "a \t \n", PASS),
    ("carriage-return-in-output", ["//! a"], "a\r\n", PASS),
    ("trailing-whitespace-after-skip", ["//! a ???"], "a b  \n", PASS),
    # Empty expected lines (`//! ` and nothing more) and empty output lines.
    ("empty-expectation-matches-empty-line", ["//! ", "//! b"], "\nb\n", PASS),
    ("empty-expectation-matches-blank-line", ["//! ", "//! b"], "   \nb\n", PASS),
    ("empty-expectation-not-text", ["//! ", "//! b"], "a\nb\n", unexpected("", "a")),
    ("trailing-empty-output-lines-vanish", ["//! a"], "a\n\n\n", PASS),
    ("empty-expectation-at-end-needs-a-blank-line", ["//! a", "//! "], "a\n\n", missing("")),
    ("empty-expectation-at-end-with-blank-line", ["//! a", "//! "], "a\n \n", PASS),
    ("leading-empty-output-line-counts", ["//! a"], "\na\n", unexpected("a", "")),
    ("no-final-newline", ["//! a", "//! b"], "a\nb", PASS),
    # Extra and missing output lines.
    ("extra-line", ["//! a"], "a\nb\n", extra("b")),
    ("missing-line", ["//! a", "//! b"], "a\n", missing("b")),
    ("no-expectations-no-output", [], "", PASS),
    ("no-expectations-some-output", [], "hello\n", extra("hello")),
    ("expectations-no-output", ["//! a"], "", missing("a")),
    # Spaces after `//! ` stand for any leading whitespace, none included.
    ("leading-spaces-optional", ["//!   indented"], "indented\n", PASS),
    ("leading-spaces-more", ["//!   indented"], "      indented\n", PASS),
    ("leading-spaces-tab", ["//!   indented"], "\tindented\n", PASS),
    ("no-leading-space-in-expectation", ["//! a"], " a\n", unexpected("a", " a")),
    ("leading-spaces-then-regex", ["//!   ??{[0-9]+}??"], "7\n", unexpected("  ??{[0-9]+}??", "7")),
    ("leading-spaces-then-regex-indented", ["//!   ??{[0-9]+}??"], " 7\n", PASS),
    ("leading-spaces-then-capture", ["//!   ??{[0-9]+}=n??"], "7\n", PASS),
    # Lines check.pl does not read as expectations.
    ("comments-and-code-ignored", ["int x; // ! not this", "/* //! nor this */", "//! a"], "a\n", PASS),
]
