"""The whole run's time budget: a run ends, its reports written, within a number of seconds
from its start (`make test BUDGET=300`, the grader's --budget), whatever the allocator does.

The budget ends at an absolute time, the same for every xdist worker. A test is started only
while some of it is left, and its time limit is cut to what is left; a test not started, or cut
short, is `not-run` (docs/results.md). RESERVE seconds at the end are kept for the reports.
"""

import time

DEFAULT = 300  # seconds: well inside the platforms' own limits (Gradescope's is 10 minutes)
RESERVE = 5  # seconds kept, after the last test is stopped, to write the reports
SHORTEST = 0.5  # seconds: a test is not started with less than this left


class Budget:
    def __init__(self, seconds, deadline):
        self.seconds = seconds  # the whole budget, for messages; 0: none
        self.deadline = deadline  # time.time() by which the run's tests must be stopped; None: never

    @classmethod
    def starting(cls, seconds, started=None):
        """A budget of `seconds` from `started` (time.time(), default now); 0 seconds: none."""
        if seconds < 0:
            raise ValueError(f"--budget={seconds:g}: give a number of seconds, or 0 for no budget")
        return cls(seconds, (started or time.time()) + seconds - RESERVE if seconds else None)

    def limit(self, timeout):
        """The time limit a test of limit `timeout` gets now; None when too little is left to
        start it."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.time()
        if left < SHORTEST:
            return None
        return min(timeout, round(left, 1))
