"""The tracker in grading (docs/tracker.md, "Grading under it"): the file its records go to for
one run of a test, and what the grader reads from it afterwards.

Every process of the test writes there (the test program, its forked children, the real
programs a test runs on the slot), each record tagged with its pid. Violations count whichever
process saw them: a real program that the slot served an overlapping block was served it by the
slot.
"""

import json
import subprocess
from pathlib import Path

from grader import postmortem

# Where the box shows the tracker and its records file: paths that name no test.
TRACKER_SO = "/heaplab/tracker.so"
RECORDS = "/heaplab/tracker.jsonl"

SHOWN = 5  # violations the report names, each with its call site

# The violations that fail a test anywhere, but two that fail only the tests about them:
# `misaligned` the alignment tests, which grade the course's alignment (grader/alignment.py: a
# course may grade the rest on 8 bytes), and `statistics` the statistics tests. A test of another
# category that prints the statistics judges the numbers by its own expected output, so that one
# miscount does not cost every test that happens to read the counters.
ONLY_IN = {"misaligned": "alignment", "statistics": "statistics"}


def records_file(results_dir, test, mode):
    """A fresh, empty file for the records of one run, which the test's own user (another user,
    when the grader is root) may append to."""
    path = Path(results_dir) / f"{test.name}.{mode}.tracker.jsonl"
    path.unlink(missing_ok=True)
    path.touch()
    path.chmod(0o666)
    return path


def read(path, files):
    """The violations recorded at `path`, in the order they were written, the first ones each
    with its call site located (`files`: {path in the box: the file})."""
    violations = []
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a process killed mid-write leaves a partial line
        if isinstance(record, dict) and record.get("kind") == "violation":
            violations.append(record)
    for misaligned in (False, True):  # what either kind of test shows
        _locate([v for v in violations if (v.get("type") == "misaligned") == misaligned][:SHOWN], files)
    return {"violations": violations}


def _locate(violations, files):
    """Each violation's call site as `function (file:line)` where the module's debug information
    says (the slot's and the tests' are built with -g), in its caller's `where`."""
    for v in violations:
        caller = v.get("caller") or {}
        module, offset = caller.get("module"), caller.get("offset")
        if not module or not offset:
            continue
        real = str(files.get(module, module))
        try:
            (function, location), = postmortem.addr2line(real, [int(offset, 16)])
        except (OSError, ValueError, subprocess.SubprocessError):
            continue
        if function != "??":
            caller["where"] = f"{function} ({location})" if not location.startswith("??") else function


def counted(seen, category):
    """The violations that fail a test of `category`."""
    return [v for v in seen["violations"] if ONLY_IN.get(v.get("type"), category) == category]


def describe(violation):
    """One violation as the report shows it: its message, where it was called from, which
    process saw it."""
    caller = violation.get("caller") or {}
    module = Path(caller["module"]).name if caller.get("module") else None
    where = caller.get("where") or caller.get("symbol") and f"{caller['symbol']} in {module}" or (
        module and f"{module}+{caller.get('offset')}")
    return f"{violation.get('message')} (" + (f"called from {where}, " if where else "") + f"pid {violation.get('pid')})"
