"""The whole run has a time budget (`make test BUDGET=seconds`): it ends within it with complete
reports, each test's limit cut to what is left, and the tests it had no time for `not-run`."""

import time

from grader import budget
from grader.tests.make_test import grade, write_testcase

SLEEPER = "#include <unistd.h>\nint main(void) { sleep(60); return 0; }\n"
QUICK = '#include <stdio.h>\nint main(void) { puts("done"); return 0; }\n//! done\n'


def test_a_tests_limit_is_cut_to_what_is_left():
    now = time.time()
    assert budget.Budget.starting(0).limit(10) == 10  # no budget
    assert budget.Budget.starting(100, now).limit(10) == 10
    assert 3 < budget.Budget.starting(budget.RESERVE + 4, now).limit(10) <= 4
    assert budget.Budget.starting(budget.RESERVE + 4, now - 10).limit(10) is None


def suite(scratch, sleepers):
    """A folder of tests: a quick one, then `sleepers` that sleep past the budget, then a quick one."""
    folder = scratch / "testcases"
    write_testcase(folder, "001-quick.c", QUICK)
    for n in range(2, 2 + sleepers):
        write_testcase(folder, f"{n:03d}-sleeps.c", SLEEPER, timeout=100)
    write_testcase(folder, f"{2 + sleepers:03d}-quick.c", QUICK)
    return folder


def graded_within(scratch, folder, seconds, jobs):
    # Built first, unbudgeted, so that the budgeted run's time goes to its tests.
    grade(slot=scratch / "slot", testcases=folder, build=scratch / "build", tests="1", budget=0)
    start = time.monotonic()
    graded = grade(slot=scratch / "slot", testcases=folder, build=scratch / "build", budget=seconds, jobs=jobs)
    return graded, time.monotonic() - start


def test_a_run_ends_within_its_budget_with_every_test_reported(scratch):
    graded, took = graded_within(scratch, suite(scratch, 1), 15, jobs=1)
    assert took < 15, f"took {took:.1f} s"
    verdicts = graded.verdicts
    assert verdicts[1] == "passed", graded.stdout[-3000:]
    assert "not-run: not run to its end: the run's time budget of 15 s was spent" in verdicts[2], verdicts[2]
    assert "(its own limit is 100 s)" in verdicts[2]
    assert verdicts[3] == "003-quick: not-run: not run: the run's time budget of 15 s was spent", verdicts[3]
    assert "score: 1/3" in graded.stdout and "NOT RUN: 2 tests, 2 points" in graded.stdout, graded.stdout[-3000:]


def test_every_worker_keeps_to_the_same_budget(scratch):
    graded, took = graded_within(scratch, suite(scratch, 4), 15, jobs=2)
    assert took < 15, f"took {took:.1f} s"
    verdicts = graded.verdicts
    assert sorted(verdicts) == [1, 2, 3, 4, 5, 6], graded.stdout[-3000:]
    assert all("not-run" in verdicts[n] for n in range(2, 6)), verdicts
