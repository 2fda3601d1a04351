"""A program that ends before its test's main (a constructor that exits, crashes or hangs) is
judged by that, `before-main`, never by output the test did not print; and once the first tests
of a kind ended so, the rest are failed at once rather than each waited out."""

import json
import time

from grader import broken_start, testcase as tc, verdict as V
from grader.tests.make_test import CHEATS, ROOT, grade

TEST = tc.Testcase(path=ROOT / "testcases" / "001-malloc-basic.c", number=1, name="001-malloc-basic",
                expected=[], exit="any")


def result(status="exited", notes=(), output="", exit_code=0, signal=None):
    return {"status": status, "exit_code": exit_code if status == "exited" else None, "signal": signal,
            "signal_description": signal and "Segmentation fault", "output": output, "notes": list(notes),
            "wall_time": 0.1, "cpu_time": 0.1, "cpu_limit": [11, 12], "still_running": []}


def test_the_first_tests_ending_alike_before_main_decide_the_rest(tmp_path):
    other = tc.Testcase(path=ROOT / "testcases" / "002-malloc-size-sweep.c", number=2, name="002")
    handout = tc.Testcase(path=tmp_path / "test003.cc", number=3, name="test003")
    learned = broken_start.BrokenStart(tmp_path)
    learned.record(TEST, result(exit_code=0))
    assert learned.known(other) is None  # one test is not enough
    learned.record(other, result(exit_code=0))
    assert learned.known(other) == (1, "it exited with status 0 before main")
    # Another worker finds it in the results directory; a C++ test is not judged by C tests.
    assert broken_start.BrokenStart(tmp_path).known(TEST) == (1, "it exited with status 0 before main")
    assert learned.known(handout) is None
    # Ending in different ways, or reaching main once, teaches nothing.
    for first, second in [(result(exit_code=0), result(exit_code=1)), (result(notes=["main"]), result())]:
        fresh = tmp_path / f"fresh{len(list(tmp_path.iterdir()))}"
        fresh.mkdir()
        alone = broken_start.BrokenStart(fresh)
        alone.record(TEST, first)
        alone.record(other, second)
        alone.record(TEST, result())
        assert alone.known(TEST) is None


def test_fake_passes_printed_before_main_score_nothing(scratch):
    graded = grade((CHEATS / "fake_pass_before_main.c").relative_to(ROOT), slot=scratch / "slot", jobs=2)
    tests = graded.results["tests"]
    assert graded.results["score"] == 0 and tests, graded.stdout[-3000:]
    assert all("before-main" in t["output"].splitlines()[0] for t in tests), graded.stdout[-3000:]
    outputs = "\n".join(t["output"] for t in tests)
    assert "a constructor exited with status 0 after printing 3 lines; the test never ran" in outputs
    assert "not run: like test " in outputs
    assert "BEFORE MAIN:" in graded.stdout


def test_a_constructor_that_hangs_is_recognised_from_the_first_tests(scratch):
    start = time.monotonic()
    graded = grade((CHEATS / "hang_before_main.c").relative_to(ROOT), slot=scratch / "slot", jobs=2)
    took = time.monotonic() - start
    tests = graded.results["tests"]
    assert graded.results["score"] == 0 and len(tests) > 100, graded.stdout[-3000:]
    waited = [t for t in tests if "still before main at its time limit (10 s)" in t["output"]]
    assert 2 <= len(waited) <= 4, [t["output"].splitlines()[0] for t in tests[:6]]
    assert all("before-main" in t["output"].splitlines()[0] for t in tests), graded.stdout[-3000:]
    assert took < 60, f"graded in {took:.0f} s"


def test_a_constructor_that_crashes_is_named(scratch):
    graded = grade((CHEATS / "crash_before_main.c").relative_to(ROOT), slot=scratch / "slot", tests="1-3")
    first = graded.results["tests"][0]["output"]
    assert "before-main: the program ended before main: a constructor crashed (SIGSEGV in write_nowhere " \
           "(crash_before_main.c:" in first, first
    result_file = scratch / "slot" / "results" / "001-malloc-basic.static.json"
    assert "main" not in json.loads(result_file.read_text())["notes"]
