"""What the report shows: whole output lines, failures in the tests' order, one summary for the
tests an allocator cannot run, and where the results went."""

import json
import re

from grader import matcher
from grader import report
from grader import testcase as tc
from grader import verdict as V
from grader.tests.make_test import grade, write_testcase
from grader.tests.test_plugin import run_grader

LONG = "FAIL: testcases/042-footprint-overhead.c:38: 16..256 bytes: 13306 KiB live took 400000 KiB (30.06 x)"
WRONG = 'int main(void) { puts("wrong"); return 0; }\n//! right\n'
PASSING = 'int main(void) { puts("ok"); return 0; }\n//! ok\n'

# Only the standard four: a bump allocator over one static arena, each block after a 16-byte
# header that keeps its size for realloc. Enough for the small programs of these tests.
MALLOC_ONLY = r"""
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

static _Alignas(16) char arena[1 << 24];
static atomic_size_t used;

void *malloc(size_t size) {
    size_t need = (size + 31) & ~(size_t)15;
    size_t at = size < sizeof arena ? atomic_fetch_add(&used, need) : sizeof arena;
    if (at + need > sizeof arena) {
        errno = ENOMEM;
        return NULL;
    }
    *(size_t *)(arena + at) = size;
    return arena + at + 16;
}

void free(void *p) { (void)p; }

void *calloc(size_t n, size_t size) {
    if (size && n > (size_t)-1 / size) {
        errno = ENOMEM;
        return NULL;
    }
    return malloc(n * size); /* the arena is never reused: still zero */
}

void *realloc(void *p, size_t size) {
    void *q = malloc(size);
    if (p && q) {
        size_t old = *(size_t *)((char *)p - 16);
        memcpy(q, p, old < size ? old : size);
    }
    return q;
}
"""


def lines_of(expected, output):
    exp = matcher.compile_expectations(list(enumerate(expected, 1)))
    return report.side_by_side(exp, output, matcher.match(exp, output))


def test_an_actual_line_wider_than_the_column_is_shown_whole():
    shown = lines_of(["ok: footprint within 2 x live bytes + 2 MiB", "ok: done"], [LONG])
    marked = [line for line in shown if line.startswith(">")]
    assert len(marked) == 1 and marked[0].endswith("| " + LONG)


def test_the_expected_column_is_as_wide_as_its_lines():
    shown = lines_of(["ok", "right"], ["ok", "wrong"])
    assert shown[0] == "  expected | actual"
    assert shown[-1] == "> right    | wrong"


def test_the_last_lines_of_a_timed_out_test_are_whole(tmp_path):
    path = tmp_path / "001-hangs.c"
    path.write_text("//@ category: basic\n//! done\n")
    test = tc.parse(path)
    result = {"status": "timeout", "output": LONG + "\n", "wall_time": 10.0}
    text = report.failure(test, "static", result, V.judge(test, result), "make test T=1", "build/x")
    assert f"    {LONG}\n" in text


def test_numbers_fold_runs_into_ranges():
    assert report.numbers([52, 9, 10, 11, 12, 45, 53, 54]) == "9-12, 45, 52-54"


def test_summaries_group_by_reason_with_tests_and_points():
    def row(number, verdict, reason, points=1):
        return {"number": number, "verdict": verdict, "reason": reason, "max_points": points}

    rows = [
        row(9, V.MISSING_INTERFACE, "needs aligned", 2), row(10, V.MISSING_INTERFACE, "needs aligned"),
        row(11, V.WRONG_OUTPUT, "differs"), row(52, V.MISSING_INTERFACE, "needs dmalloc"),
        row(60, V.NOT_BUILT, "undefined reference to `hl_live_add'"),
    ]
    assert report.summaries(rows) == [
        "MISSING INTERFACES: 3 tests, 4 points",
        "  needs aligned: tests 9-10 (3 points)",
        "  needs dmalloc: test 52 (1 point)",
        "NOT BUILT: 1 test, 1 point",
        "  undefined reference to `hl_live_add': test 60 (1 point)",
    ]


def test_the_score_line_counts_malformed_tests():
    rows = [
        {"number": 1, "verdict": V.PASSED, "points": 1, "max_points": 1},
        {"number": 2, "verdict": V.BAD_TESTCASE, "points": 0, "max_points": 5},
    ]
    assert report.score_line(rows) == "score: 1/6 (1 malformed test: see above)"
    assert report.score_line(rows[:1]) == "score: 1/1"


def test_failures_come_in_the_tests_order_under_parallel_runs(scratch):
    # Under -n 2, test 1 goes to one worker and test 2 to the other; test 1 finishes last.
    cases = scratch / "testcases"
    write_testcase(cases, "001-slow.c", '#include <unistd.h>\nint main(void) { sleep(2); puts("wrong"); }\n//! right\n')
    write_testcase(cases, "002-fast.c", WRONG)
    write_testcase(cases, "003-fine.c", PASSING)
    grade(slot=scratch / "slot", build=scratch / "build", testcases=cases, tests="3")
    out = run_grader(scratch, "-n", "2")
    assert "score: 1/3" in out
    assert 0 <= out.index("test 1: 001-slow") < out.index("test 2: 002-fast")
    assert out.count("002-fast [static]: wrong-output") == 1


def test_missing_interfaces_are_one_block_and_keep_their_rows(scratch):
    alloc = scratch / "malloc_only.c"
    alloc.write_text(MALLOC_ONLY)
    cases = scratch / "testcases"
    write_testcase(cases, "001-fine.c", PASSING)
    write_testcase(cases, "002-aligned.c", PASSING, needs="aligned", points=2)
    write_testcase(cases, "003-aligned-too.c", PASSING, needs="aligned")
    write_testcase(cases, "004-dmalloc.c", PASSING, needs="dmalloc")
    write_testcase(cases, "005-wrong.c", WRONG)
    slot = scratch / "slot"
    # The full rubric counts the tests of what the slot lacks, as missing-interface.
    graded = grade(alloc, slot=slot, build=scratch / "build", testcases=cases, rubric="full")
    out = graded.stdout
    assert out.count("MISSING INTERFACES") == 1
    assert "MISSING INTERFACES: 3 tests, 4 points" in out
    assert "needs the aligned family, which the allocator does not define: tests 2-3 (3 points)" in out
    assert "needs the dmalloc interface, which the allocator does not define: test 4 (1 point)" in out
    # Nothing to debug in a function that is not there; the wrong output still gets its block.
    assert "make gdb T=2" not in out and "make gdb T=4" not in out and "make gdb T=5" in out
    for number in 2, 3, 4:
        assert re.search(rf"^ +{number}  00{number}-\S+ +basic +missing-interface ", out, re.M)
    tests = {t["number"]: t for t in graded.results["tests"]}
    assert tests["2"]["output"] == (
        "002-aligned: missing-interface: needs posix_memalign, aligned_alloc, memalign, "
        "malloc_usable_size, which the allocator does not define"
    )
    assert tests["2"]["max_score"] == 2
    assert f"results: {slot}/results/results.json" in out


def test_a_run_clears_what_an_earlier_run_left(scratch):
    cases = scratch / "testcases"
    write_testcase(cases, "001-fine.c", PASSING)
    write_testcase(cases, "002-wrong.c", WRONG)
    results = scratch / "slot" / "results"
    grade(slot=scratch / "slot", build=scratch / "build", testcases=cases, tests="1")
    stale = {"score": 175, "output": "score: 175/175", "tests": []}
    (results / "results.json").write_text(json.dumps(stale))
    (results / "099-gone.static.json").write_text("{}")
    (results / "junit.xml").write_text("<testsuites/>")
    (results / "notes.txt").write_text("not the grader's")
    # A run that selects no test still starts by deleting what the grader wrote before.
    out = run_grader(scratch, "-k", "no-such-test")
    assert not (results / "099-gone.static.json").exists() and not (results / "junit.xml").exists()
    assert (results / "notes.txt").exists()
    assert "175" not in (results / "results.json").read_text(), out
