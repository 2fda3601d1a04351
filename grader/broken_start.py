"""Recognising, from the first tests, an allocator that never lets a program reach main: a
constructor that exits, crashes or hangs ends every test program the same way before its test
runs, so after the first FIRST tests of a kind (C, or C++) ended so, in either mode, the rest of
that kind are failed at once (verdict.like_before) instead of each being waited out.

Each process of the run (the grader, or each xdist worker) learns from the tests it ran itself,
and leaves what it learned in the results directory (`before-main.KIND.json`), where the others
find it before each test. A kind whose first test reached main is never judged this way.
"""

import json
import os

from grader import verdict as V

FIRST = 2  # tests of a kind that must all have ended before main, the same way


def how_it_ended(result):
    """How a program that never reached main ended, in words that match across tests (an exit
    status, a signal, a time limit); None when it reached main, or did not end in one of these."""
    if V.reached_main(result):
        return None
    if V.out_of_time(result):
        return "it was still before main at its time limit"
    if result["status"] == "signaled":
        return f"it crashed ({result['signal']}) before main"
    if result["status"] == "exited":
        return f"it exited with status {result['exit_code']} before main"
    return None


def kind(test):
    """Tests of one kind start alike, in either mode: those of one language (the C++ runtime has
    constructors of its own, which allocate)."""
    return "cxx" if test.path.suffix == ".cc" else "c"


class BrokenStart:
    def __init__(self, results):
        self.results = results  # the run's results directory
        self.first = {}  # kind: [(test number, how it ended or None)], its first FIRST tests here

    def _path(self, test):
        return self.results / f"before-main.{kind(test)}.json"

    def known(self, test):
        """(the first test's number, how they ended) when the first tests of the test's kind
        ended before main, here or in another worker; else None."""
        path = self._path(test)
        try:
            found = json.loads(path.read_text())
            return found["number"], found["how"]
        except (OSError, ValueError, KeyError):
            return None

    def record(self, test, result):
        """Learn from a run of the test, in either mode."""
        seen = self.first.setdefault(kind(test), [])
        if len(seen) >= FIRST:
            return
        seen.append((test.number, how_it_ended(result)))
        ways = {how for _, how in seen}
        if len(seen) == FIRST and len(ways) == 1 and None not in ways:
            path = self._path(test)
            # Written whole, then renamed: another worker reads it at any moment.
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"number": seen[0][0], "how": seen[0][1]}) + "\n")
            tmp.replace(path)
