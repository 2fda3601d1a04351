"""A test that prints too much is output-limit, and its report shows how the output began and
how it ended: the runner keeps both ends of an over-long output."""

from grader.tests.make_test import grade, write_testcase

# About 2.5 MiB: over the 1 MiB limit, short of the flood the runner stops early.
TALKATIVE = """\
int main(void) {
    for (int i = 0; i < 100000; i++) printf("line %d of a long output\\n", i);
    puts("the last words");
    return 0;
}
//! never printed
"""


def test_an_over_long_output_shows_its_first_and_last_lines(scratch):
    cases = scratch / "testcases"
    write_testcase(cases, "001-talkative.c", TALKATIVE)
    graded = grade(slot=scratch / "slot", build=scratch / "build", testcases=cases)
    report = graded.results["tests"][0]["output"]
    assert report.startswith("001-talkative [static]: output-limit: output limit exceeded (2788905 bytes)\n")
    first, last = report.split("  last lines of output:\n")
    assert "  first lines of output (2,788,905 bytes in all):\n    line 0 of a long output\n" in first
    assert last.splitlines()[:-2][-2:] == ["    line 99999 of a long output", "    the last words"]
