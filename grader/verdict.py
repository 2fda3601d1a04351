"""From what a test did to a verdict: one explicit decision tree, one message per branch.

The order matters: a test that did not run, ran too long or flooded its output has no output
worth comparing; a crash explains a wrong output better than the diff does; and a test program
that found a fault prints a FAIL line and exits 1, where the differing line says more than the
exit status.
"""

from dataclasses import dataclass, field

from grader import matcher, postmortem

PASSED = "passed"
NOT_BUILT = "not-built"
MISSING_INTERFACE = "missing-interface"
TIMEOUT = "timeout"
OUTPUT_LIMIT = "output-limit"
CRASHED = "crashed"
WRONG_EXIT = "wrong-exit"
WRONG_OUTPUT = "wrong-output"
BAD_TESTCASE = "bad-testcase"


@dataclass
class Verdict:
    verdict: str
    message: str = ""
    mismatch: "matcher.Mismatch | None" = None
    details: list = field(default_factory=list)  # lines: a crash's backtrace, a timeout's processes

    @property
    def passed(self):
        return self.verdict == PASSED


def describe_exit(result):
    if result["status"] == "signaled":
        return f"killed by {result['signal']} ({result['signal_description']})"
    return f"exited with status {result['exit_code']}"


def _exit_ok(expected, result):
    if expected == "any":
        return True
    if result["status"] == "signaled":
        return expected == "signal" or (expected == "abort" and result["signal"] == "SIGABRT")
    return expected.isdigit() and result["exit_code"] == int(expected)


def _expected_exit(expected):
    return {"abort": "abort (SIGABRT)", "signal": "a signal", "any": "any"}.get(expected, f"status {expected}")


def judge(test, result):
    status = result["status"]
    if status == "not-built":
        return Verdict(NOT_BUILT, result.get("message") or "the test program was not built")
    if status == "timeout":
        unfinished = postmortem.unfinished_program(result)
        return Verdict(TIMEOUT, f"Test timeout expired: still running after {test.timeout:g} s; killed"
                       + (f"; {unfinished}" if unfinished else ""), details=postmortem.still_running(result))
    if status == "output-limit":
        # The runner reads on past the limit and stops only a flood (harness/runner.c).
        killed = "; killed" if (result.get("message") or "").endswith("killed") else ""
        return Verdict(OUTPUT_LIMIT, f"output limit exceeded ({result['output_bytes']} bytes){killed}")
    exit_ok = _exit_ok(test.exit, result)
    if status == "signaled" and not exit_ok:
        crash = postmortem.crash_of(result)
        where, frames = (crash.headline(), crash.backtrace()) if crash else ("", [])
        return Verdict(CRASHED, f"Received signal {result['signal']} ({result['signal_description']}){where}",
                       details=["backtrace (innermost first):", *frames] if frames else [])
    lines = output_lines(result["output"])
    mismatch = matcher.match(test.expected, lines, test.unordered, sort=test.sort, abort=test.abort)
    if mismatch:
        return Verdict(WRONG_OUTPUT, "output differs from the expected output", mismatch)
    if not exit_ok:
        return Verdict(WRONG_EXIT, f"{describe_exit(result)}; expected {_expected_exit(test.exit)}")
    return Verdict(PASSED)


def output_lines(output):
    return matcher.output_lines(output)
