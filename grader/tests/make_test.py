"""Grading an allocator the way a user does, with `make test`, for the grader's own tests."""

import functools
import json
import os
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ZOO = ROOT / "grader" / "tests" / "zoo"
CHEATS = ROOT / "grader" / "tests" / "cheats"
DMALLOC_ONLY = "grader/tests/dmalloc_only/dmalloc.cc"  # a debugging layer alone, as make's ALLOC= names it

# Tests for a course folder of a self-test's own: one of malloc, one of the debugging layer.
MALLOC_OK = '#include <stdlib.h>\nint main(void) { char *p = malloc(10); free(p); puts("ok"); return 0; }\n//! ok\n'
LAYER_OK = ('#include <stdlib.h>\n#include "dmalloc.h"\n'
            'int main(void) { void *p = dmalloc_malloc(10, "t.c", 1); dmalloc_free(p, "t.c", 2); puts("ok"); }\n//! ok\n')


def interruptible():
    """For Popen's preexec_fn: a child the test will interrupt takes SIGINT as a keyboard's.

    A shell that starts `make check` in the background without job control hands it SIGINT
    ignored, and Python then leaves it ignored: the interrupt would never arrive.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def scratch_dir():
    """A fresh directory inside the build tree. Not pytest's tmp_path: that is private to its
    owner, and test programs run as users of their own when the grader runs as root."""
    parent = ROOT / "build" / "selftest"
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=parent))
    path.chmod(0o755)
    return path


NO_BUILTIN_ALLOC = ["-fno-builtin-malloc", "-fno-builtin-calloc", "-fno-builtin-realloc", "-fno-builtin-free"]


@functools.cache
def reference_object():
    """alloc/alloc.c compiled as `make test` builds the slot, once per test process."""
    obj = scratch_dir() / "alloc.o"
    subprocess.run(["gcc", "-std=gnu11", "-O2", "-g", "-pthread", "-Ialloc", *NO_BUILTIN_ALLOC, "-c", "-o", str(obj),
                    "alloc/alloc.c"], cwd=ROOT, check=True)
    return obj


def linked_with_reference(fixture):
    """fixture (a C program under grader/tests/fixtures) linked with the reference; its path."""
    program = scratch_dir() / Path(fixture).stem
    subprocess.run(["gcc", "-O1", "-g", "-pthread", "-Ialloc", *NO_BUILTIN_ALLOC, "-o", str(program),
                    str(ROOT / "grader" / "tests" / "fixtures" / fixture), str(reference_object())],
                   cwd=ROOT, check=True)
    return program


def run_with_reference(fixture, **env):
    """fixture linked with the reference, run with env added to the environment; it must exit 0."""
    done = subprocess.run([str(linked_with_reference(fixture))], capture_output=True, text=True, timeout=30,
                          check=False, env=dict(os.environ, **env))
    assert done.returncode == 0, done
    return done


@dataclass
class Graded:
    returncode: int
    stdout: str
    stderr: str
    results: dict  # results.json, or {} when none was written

    @property
    def verdicts(self):
        """{test number: first line of its output in results.json}"""
        return {int(t["number"]): t["output"].splitlines()[0] for t in self.results.get("tests", [])}

    @property
    def lost(self):
        return {int(t["number"]) for t in self.results.get("tests", []) if t["status"] == "failed"}


def grade(alloc="alloc/alloc.c", *, slot, testcases=None, build=None, tests=None, jobs=1, timeout=900, align=None,
          rubric=None, formats=None, budget=None, performance=False, deterministic=False, tracker=None):
    """`make test` on an allocator; the slot directory is the caller's so runs never collide. The
    performance category only when asked for (test_perf_grading.py): the other tests grade the
    numbered tests, and its timing would add seconds to each run."""
    args = ["make", "-s", "--no-print-directory", "test", f"ALLOC={alloc}", f"SLOT={slot}", f"J={jobs}"]
    given = {"TESTCASES": testcases, "BUILD": build, "T": tests, "ALIGN": align, "RUBRIC": rubric,
             "FORMAT": formats, "BUDGET": budget, "PERF": None if performance else 0,
             "DETERMINISTIC": 1 if deterministic else None, "TRACKER": tracker}
    args += [f"{name}={value}" for name, value in given.items() if value is not None and value != ""]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    results = Path(slot) / "results" / "results.json"
    data = json.loads(results.read_text()) if results.exists() else {}
    return Graded(done.returncode, done.stdout, done.stderr, data)


def write_testcase(directory, name, body, **meta):
    """A test program in `directory` (a folder named testcases, as the grader expects)."""
    directory.mkdir(exist_ok=True)
    header = "".join(f"//@ {k}: {v}\n" for k, v in {"category": "basic", **meta}.items())
    (directory / name).write_text(header + '#include "test_runtime.h"\n' + body)
