"""Runs one test program through the C runner (harness/runner.c) and reads its result
(docs/results.md)."""

import json
import os
import shlex
import subprocess
from pathlib import Path

from grader import alignment
from grader import tracker as T
from grader.box import ALLOC_SO, PROGRAM, seen_outside

# When the grader runs as root, each test runs as a user of its own in this user's group, named
# after it (the runner's --user), so untrusted code never holds root nor shares a user with
# another test.
UNPRIVILEGED_USER = "nobody"


def command(test, mode, slot, align=alignment.DEFAULT, tracked=False):
    """The command that runs the test alone, as a user would type it to rerun it (under the
    tracker when `tracked`, its records on standard error)."""
    program = slot.program(test, mode)
    preload = f"{slot.tracker}:{slot.shared_object}" if tracked else str(slot.shared_object)
    prefix = f"LD_PRELOAD={shlex.quote(preload)} " if mode == "preload" else ""
    if tracked:
        prefix = f"HEAPLAB_TRACKER_OUT=/dev/stderr {prefix}"
    if align != alignment.DEFAULT:
        prefix = f"HEAPLAB_ALIGN={align} " + prefix
    return prefix + shlex.join([str(program), *test.args])


def runner_options(runner, name, timeout, out, user=None, box=None):
    """The runner's options every program the grader runs takes (a test, the trace driver): its
    name, limit and result file, an environment without LD_PRELOAD nor pytest's name for the
    running test (a program must not learn it), its own user when the grader is root, the box."""
    Path(out).unlink(missing_ok=True)
    argv = [str(runner), "--name", name, "--timeout", f"{timeout:g}", "--out", str(out),
            "--unsetenv", "LD_PRELOAD", "--unsetenv", "PYTEST_CURRENT_TEST"]
    if user and os.geteuid() == 0:
        argv += ["--user", user]
    return argv + (box.arguments if box else [])


def execute(argv, out):
    """Runs the runner's command line; the result it wrote to `out` (docs/results.md)."""
    with subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        try:
            _, errors = proc.communicate()
        except BaseException:
            # Interrupted (Ctrl-C): let the runner kill the test's process group, then go on.
            proc.terminate()
            proc.wait()
            raise
    if proc.returncode != 0 or not Path(out).exists():
        raise RuntimeError(f"the runner failed (exit {proc.returncode}): {errors.strip()}")
    return json.loads(Path(out).read_text())


def run(test, mode, slot, results_dir, runner, user=None, align=alignment.DEFAULT, box=None, timeout=None,
        tracked=False):
    """Run the test in `mode`, in `box` (a grader.box.Box) when given, within `timeout` seconds
    (default: the test's own limit); the result dict of the runner (docs/results.md). `tracked`:
    under the tracker (docs/tracker.md), whose findings the result then holds as `tracker`
    (grader/tracker.py); a static build is tracked when it was linked with it."""
    program = slot.program(test, mode).resolve()
    out = Path(results_dir) / f"{test.name}.{mode}.json"
    argv = [*runner_options(runner, test.name, timeout or test.timeout, out, user, box),
            "--env", f"HEAPLAB_ALIGN={align}"]
    # HEAPLAB_SLOT tells the test runtime where malloc must come from (test_runtime.c).
    shown = {PROGRAM: program}
    records = T.records_file(results_dir, test, mode) if tracked else None
    # In the box alloc.so, the tracker and its records file are at paths that name no test;
    # unboxed, the runner names the files themselves in the environment.
    files = {}
    if records:
        argv += ["--bind-writable", f"{T.RECORDS}={records}", "--env", f"HEAPLAB_TRACKER_OUT={T.RECORDS}"]
        files[T.RECORDS] = records
        if "payload" in test.tracker:
            argv += ["--env", "HEAPLAB_TRACKER_PAYLOAD=1"]
    if mode == "preload":
        preloads = {T.TRACKER_SO: slot.tracker, ALLOC_SO: slot.shared_object} if records else {ALLOC_SO: slot.shared_object}
        for path, file in preloads.items():
            files[path] = file.resolve()
            argv += ["--bind", f"{path}={files[path]}"]
        argv += ["--env", f"LD_PRELOAD={':'.join(preloads)}", "--env", f"HEAPLAB_SLOT={ALLOC_SO}"]
    else:
        argv += ["--env", "HEAPLAB_SLOT=static"]
    shown.update(files)
    result = execute([*argv, "--", str(program), *test.args], out)
    if records:
        result["tracker"] = T.read(records, shown)
    return seen_outside(result, shown) if result["isolation"] != "none" else result
