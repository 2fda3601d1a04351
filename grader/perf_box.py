"""The trace driver as the grader runs it: through the C runner (harness/runner.c), in the box, as
the test user, like every test program (grader/runner.py). The driver is linked with the slot, so
it is the student's code: in the box it sees neither the heaplab tree nor the results, reaches no
network, and what it reads or writes where the box keeps decoys and traps makes its traces a
cheat (grader/verdict.py's `caught`).

In the box the driver is /heaplab/test (under valgrind, valgrind is, and the driver
/heaplab/driver) and each trace /heaplab/traces/NAME; what the driver writes (its plot series,
callgrind's counts) goes to the work dir the caller gives, writable by the test user and bound at
its own path. Its JSON lines come back in the runner's captured output.
"""

import tempfile
import time
from pathlib import Path

from grader import performance
from grader.runner import execute, runner_options
from grader import verdict as V

TRACES = "/heaplab/traces"  # where the traces are in the box
DRIVER = "/heaplab/driver"  # where the driver is in the box when valgrind runs it
CHEAT = "cheat: "  # the start of a trace's error when the box caught the driver at a shortcut


class BoxedDriver:
    """A launcher for grader.performance: each call runs one driver command in the box, within
    the run's time budget and the category's own deadline."""

    def __init__(self, runner, box, user, budget, seconds):
        self.runner, self.box, self.user, self.budget = runner, box, user, budget
        self.deadline = time.time() + seconds  # the category's own limit, whatever the budget
        self.isolation = None  # the runner's `isolation` of the last run, for the report's line

    def limit(self, timeout):
        left = self.deadline - time.time()
        limit = self.budget.limit(min(timeout or left, left))
        if limit is None or left < 0.5:
            raise performance.OutOfTime(f"not run: the run's time budget of {self.budget.seconds:g} s was spent")
        return limit

    def __call__(self, driver, options, traces, timeout, wrapper=(), workdir=None):
        """The launcher of grader.performance.run_plainly, in the box."""
        limit = self.limit(timeout)
        with tempfile.TemporaryDirectory(prefix="heaplab-perf-") as scratch:
            out = Path(scratch) / "driver.json"
            argv = runner_options(self.runner, f"perf-{Path(driver).name}", limit, out, self.user, self.box)
            if workdir:
                Path(workdir).mkdir(parents=True, exist_ok=True)
                Path(workdir).chmod(0o777)  # the test user writes there; the folder above is the grader's alone
                argv += ["--workdir", str(Path(workdir).resolve())]
            if wrapper:
                argv += ["--memory", "0"]  # valgrind reserves more address space than the limit allows
            inside = [f"{TRACES}/{Path(t).name}" for t in traces]
            for path, trace in zip(inside, traces):
                argv += ["--bind", f"{path}={Path(trace).resolve()}"]
            program = [str(Path(driver).resolve())]
            if wrapper:
                argv += ["--bind", f"{DRIVER}={program[0]}"]
                program = [*wrapper, DRIVER]
            result = execute([*argv, "--", *program, *options, *inside], out)
        self.isolation = result["isolation"], result["isolation_error"]
        caught = V.caught(result, self.box.canary)
        if caught:
            return "", f"{CHEAT}{caught.message}"
        return result["output"], stopped(result, limit)


def stopped(result, limit):
    """Why the driver's output may lack a trace: how the runner saw it end."""
    if result["status"] == "timeout":
        return f"still running at its time limit ({limit:g} s)"
    if result["status"] == "signaled":
        return f"killed by {result['signal']} ({result['signal_description']})"
    last = [line for line in result["output"].splitlines() if line and not line.startswith("{")][-1:]
    return last[0] if last else f"{result['status']}, exit status {result['exit_code']}"
