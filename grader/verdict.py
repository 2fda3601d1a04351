"""Every verdict heaplab gives, decided here and nowhere else: one constant per verdict, one
function per way a test can lose before it runs, and one decision tree for what the runner saw
(`judge`). docs/results.md lists the verdicts and the runner's result they are decided from.

The order of the tree matters: a test that did not run, was cut short by the run's time budget,
never reached its main, ran too long or flooded its output has no output worth comparing; a
violation the tracker saw explains a crash (and a wrong output) better than the crash does; a
crash explains a wrong output better than the diff does; output printed by a program whose
memory came from libc's allocator proves nothing about the slot; and a test program that found
a fault prints a FAIL line and exits 1, where the differing line says more than the exit status.
"""

from dataclasses import dataclass, field

from grader import matcher, postmortem
from grader import tracker

PASSED = "passed"
WRONG_OUTPUT = "wrong-output"
WRONG_EXIT = "wrong-exit"
CRASHED = "crashed"
TIMEOUT = "timeout"
OUTPUT_LIMIT = "output-limit"
NOT_BUILT = "not-built"
MISSING_INTERFACE = "missing-interface"
BAD_TESTCASE = "bad-testcase"
GRADER_ERROR = "grader-error"  # the grader itself failed on this test: never the allocator's fault
CHEAT = "cheat"  # a test program took a shortcut the box caught (grader/box.py)
BEFORE_MAIN = "before-main"  # the program ended (or hung) before the test's main started
LIBC_MALLOC = "libc-malloc"  # the slot served malloc from libc's own allocator
NOT_RUN = "not-run"  # the run's time budget was spent before the test ran, or during it
TRACKER = "tracker"  # the tracker saw the allocator break its contract (docs/tracker.md)

VERDICTS = (PASSED, WRONG_OUTPUT, WRONG_EXIT, CRASHED, TIMEOUT, OUTPUT_LIMIT, NOT_BUILT, MISSING_INTERFACE,
            BAD_TESTCASE, GRADER_ERROR, CHEAT, BEFORE_MAIN, LIBC_MALLOC, NOT_RUN, TRACKER)


@dataclass
class Verdict:
    verdict: str
    message: str = ""
    mismatch: "matcher.Mismatch | None" = None
    details: list = field(default_factory=list)  # lines: a crash's backtrace, a timeout's processes
    summary: str = ""  # the title of the report's block that lists it with others, if it has no block of its own

    @property
    def passed(self):
        return self.verdict == PASSED


# ---- before the test runs -------------------------------------------------------------------

def bad_testcase(error):
    """The test file is malformed; `error` names its file and line."""
    return Verdict(BAD_TESTCASE, str(error))


def slot_not_built(alloc):
    """The allocator itself does not compile: every test is not-built."""
    return Verdict(NOT_BUILT, f"{alloc} does not compile (see the compiler's messages below the failures)")


def not_built(why=None):
    """The test program of one mode is missing; `why` is its build log's first error, if any."""
    return Verdict(NOT_BUILT, why or "the test program was not built (run `make test`)")


def missing_interface(missing, cxx_linkage=()):
    """The test needs functions the slot does not define: `missing`, in order; `cxx_linkage`,
    those of them the slot defines with C++ linkage only."""
    message = f"needs {', '.join(missing)}, which the allocator does not define"
    cxx = [f for f in missing if f in cxx_linkage]
    if cxx:
        message += f" ({', '.join(cxx)} with C++ linkage: declare it as alloc/dmalloc.h does)"
    return Verdict(MISSING_INTERFACE, message)


def not_run(budget):
    """The run's time budget of `budget` seconds was spent before the test's turn."""
    return Verdict(NOT_RUN, f"not run: the run's time budget of {budget:g} s was spent", summary="NOT RUN")


def like_before(number, how):
    """Not run: the first tests of its kind (test `number` the first of them) all ended before
    main, `how` (grader/broken_start.py), so this one would too."""
    return Verdict(BEFORE_MAIN, f"not run: like test {number}, the allocator never let a program reach main "
                   f"({how})", summary="BEFORE MAIN")


# ---- from the runner's result ----------------------------------------------------------------

def describe_exit(result):
    if result["status"] == "signaled":
        return f"killed by {result['signal']} ({result['signal_description']})"
    return f"exited with status {result['exit_code']}"


def _exit_ok(expected, result):
    if expected == "any":
        return True
    if result["status"] == "signaled":
        return expected == "signal" or (expected in ("abort", "fail") and result["signal"] == "SIGABRT")
    if expected == "fail":
        return result["exit_code"] != 0
    return expected.isdigit() and result["exit_code"] == int(expected)


def _expected_exit(expected):
    return {
        "abort": "abort (SIGABRT)", "fail": "a failure: abort (SIGABRT) or a nonzero status", "signal": "a signal", "any": "any",
    }.get(expected, f"status {expected}")


def _cpu_limit_death(result):
    """Whether the leader died of its CPU-time limit: SIGXCPU at the soft limit, or SIGKILL from
    the kernel once its CPU time reached the hard one. The limit counts the time of all its
    threads, so a test running threads on several cores reaches it before the wall clock."""
    if result["status"] != "signaled":
        return False
    soft, hard = result.get("cpu_limit") or (None, None)
    return result["signal"] == "SIGXCPU" or (
        result["signal"] == "SIGKILL" and hard is not None and result.get("cpu_time", 0) >= hard)


def out_of_time(result):
    """Whether the program was stopped at its wall-clock limit or killed by its CPU-time limit."""
    return result["status"] == "timeout" or _cpu_limit_death(result)


def _timeout(test, result):
    unfinished = postmortem.unfinished_program(result)
    return Verdict(TIMEOUT, f"Test timeout expired: still running after {test.timeout:g} s; killed"
                   + (f"; {unfinished}" if unfinished else ""), details=postmortem.still_running(result))


def _cpu_timeout(result):
    soft = (result.get("cpu_limit") or ["?"])[0]
    return Verdict(TIMEOUT, f"Test timeout expired (cpu): {result['cpu_time']:.1f} s of CPU time, over its limit of "
                   f"{soft} s (its threads' times add up); killed by {result['signal']}")


def caught(result, canary):
    """A cheat verdict when the box caught a shortcut: the output holds the canary of the decoy
    test files (grader/box.py), or the test left files in the trap over the results; else None.
    Either outranks every other verdict: a run that took one proves nothing."""
    if canary and canary in (result.get("output") or ""):
        return Verdict(CHEAT, "read the test's expectations from disk: its output holds the canary line of the "
                       "decoy test files the box puts where the tests live")
    if result.get("trapped"):
        return Verdict(CHEAT, f"wrote into the grader's results directory: {', '.join(result['trapped'])}")
    return None


def reached_main(result):
    """Whether the test's main started: the runtime notes it first thing (test_runtime.c)."""
    return "main" in (result.get("notes") or [])


def libc_heap(result):
    """The bytes libc's own heap held at the end of a program whose malloc was the slot's, as its
    runtime noted them; 0 when none (the most any of the test's processes noted)."""
    sizes = [int(n.split()[1]) for n in result.get("notes") or [] if n.startswith("libc-heap ") and n.split()[1].isdigit()]
    return max(sizes, default=0)


def _lines(n):
    return f"{n} line{'' if n == 1 else 's'}"


def _before_main(test, result):
    """The program ended, or was still running at its limit, before its main started: a
    constructor exited, crashed or never returned, so the test never ran."""
    if out_of_time(result):
        return Verdict(BEFORE_MAIN, f"the program was still before main at its time limit ({test.timeout:g} s): a "
                       "constructor never returned; the test never ran", details=postmortem.still_running(result))
    printed = len(output_lines(result["output"]))
    after = f" after printing {_lines(printed)}" if printed else ""
    if result["status"] == "signaled":
        crash = postmortem.crash_of(result)
        where, frames = (crash.headline(), crash.backtrace()) if crash else ("", [])
        return Verdict(BEFORE_MAIN, f"the program ended before main: a constructor crashed ({result['signal']}{where})"
                       f"{after}; the test never ran",
                       details=["backtrace (innermost first):", *frames] if frames else [])
    return Verdict(BEFORE_MAIN, f"the program ended before main: a constructor exited with status "
                   f"{result['exit_code']}{after}; the test never ran")


def _budget_cut(test, result, budget):
    return Verdict(NOT_RUN, f"not run to its end: the run's time budget of {budget:g} s was spent "
                   f"{result['wall_time']:.1f} s into it (its own limit is {test.timeout:g} s)", summary="NOT RUN")


def judge(test, result, budget_cut=None):
    """The verdict on what the runner saw. `budget_cut`: the run's time budget in seconds, when
    it cut this run's limit below the test's own (grader/budget.py)."""
    status = result["status"]
    if status == "exec-failed":
        return not_built(result.get("message") or "the test program could not be run")
    if budget_cut is not None and out_of_time(result):
        return _budget_cut(test, result, budget_cut)
    if status in ("exited", "signaled", "timeout") and not reached_main(result):
        return _before_main(test, result)
    if status == "timeout":
        return _timeout(test, result)
    if status == "process-limit":
        return Verdict(CRASHED, f"{result['message']}: a fork bomb, or processes or threads that never end")
    if status == "output-limit":
        # The runner reads on past the limit and stops only a flood (docs/results.md).
        killed = "; killed" if result.get("killed") else ""
        return Verdict(OUTPUT_LIMIT, f"output limit exceeded ({result['output_bytes']} bytes){killed}")
    if _cpu_limit_death(result):
        return _cpu_timeout(result)
    if result.get("disk_full"):
        return Verdict(OUTPUT_LIMIT, "disk limit reached: the test's files filled the space the box gives them (its "
                       "work dir and /tmp, each as large as the file-size limit); a test writes no such files")
    # What the tracker saw outranks a crash, which it usually explains (a block handed out twice,
    # overwritten, crashes the program at exit); a misaligned block, which crashes nothing, comes
    # after the test's own checks, which name it as the course does.
    seen = tracker.counted(result["tracker"], test.category) if result.get("tracker") else []
    serious = [v for v in seen if v.get("type") != "misaligned"]
    heap = libc_heap(result)
    if serious:
        found = _tracker_findings(serious)
        if heap:
            return _libc_malloc(heap, f"; the tracker: {found[0]}", found[1:])
        return _tracker(serious)
    exit_ok = _exit_ok(test.exit, result)
    if status == "signaled" and not exit_ok:
        crash = postmortem.crash_of(result)
        where, frames = (crash.headline(), crash.backtrace()) if crash else ("", [])
        return Verdict(CRASHED, f"Received signal {result['signal']} ({result['signal_description']}){where}",
                       details=["backtrace (innermost first):", *frames] if frames else [])
    if heap:
        return _libc_malloc(heap)
    lines = output_lines(result["output"])
    mismatch = matcher.match(test.expected, lines, test.unordered, sort=test.sort, abort=test.abort)
    if mismatch:
        return Verdict(WRONG_OUTPUT, "output differs from the expected output", mismatch)
    if not exit_ok:
        return Verdict(WRONG_EXIT, f"{describe_exit(result)}; expected {_expected_exit(test.exit)}")
    if seen:
        return _tracker(seen)
    return Verdict(PASSED)


def _tracker(seen):
    found = _tracker_findings(seen)
    return Verdict(TRACKER, f"the tracker saw {_violations(len(seen))}: {found[0]}", details=found[1:])


def _libc_malloc(heap, more="", details=()):
    return Verdict(LIBC_MALLOC, f"the allocator's memory came from libc's malloc (libc's heap grew to {heap:,} "
                   f"bytes): the slot must get memory from the system (sbrk/mmap), not from libc{more}",
                   details=list(details))


def _violations(n):
    return f"{n} violation{'' if n == 1 else 's'}"


def _tracker_findings(seen, most=tracker.SHOWN):
    """The first violations the tracker saw, one line each, for the message and its details."""
    return [tracker.describe(v) for v in seen[:most]] + ([f"... and {len(seen) - most} more"] if len(seen) > most else [])


def output_lines(output):
    return matcher.output_lines(output)
