"""The box test programs run in (harness/runner.c `--box`): what the grader hides in it, the
decoys it plants where the hidden things were, and the report's line on the isolation in force.

In the box a test program sees the system's /usr and /etc, its work dir, its own program at
/heaplab/test and the slot's alloc.so at /heaplab/alloc.so: not the heaplab tree, the tests, the
slot or the results. Where the test sources were, it finds decoys, files of the same names that
hold a canary line this run alone knows; where the results were, a trap, an empty directory
whose contents the runner lists. A test program that prints a canary read expectations from
disk; one that leaves something in the trap wrote where the grader keeps its results. The
verdicts are grader/verdict.py's (`caught`).
"""

import os
import secrets
import shutil
import tempfile
from pathlib import Path

# Where the test program and the slot's alloc.so are in the box: paths that name no test.
PROGRAM = "/heaplab/test"
ALLOC_SO = "/heaplab/alloc.so"

WHAT_THE_BOX_SHOWS = "test programs see the system's /usr and /etc, their work dir and their own program only"


class Box:
    """The box of one grading process: its canary, its decoy folders, the runner's arguments."""

    def __init__(self, tree, hidden, testcase_dirs, results):
        """tree: the heaplab tree, and `hidden` other folders of the grader's (slot, build), hidden
        where the box would show them; decoys over `testcase_dirs`, a trap over `results`."""
        self.canary = f"heaplab-decoy-{secrets.token_hex(8)}"
        self._decoys = Path(tempfile.mkdtemp(prefix="heaplab-decoys-"))
        self._decoys.chmod(0o755)  # the bind shows the folder itself, to the test's user
        self.arguments = ["--box"]
        for path in dict.fromkeys(Path(p).resolve() for p in [tree, *hidden]):
            self.arguments += ["--hide", str(path)]
        for i, folder in enumerate(dict.fromkeys(Path(d).resolve() for d in testcase_dirs)):
            decoy = self._decoys / str(i)
            decoy.mkdir(mode=0o755)
            for real in folder.iterdir():
                if real.is_file():
                    (decoy / real.name).write_text(f"//! {self.canary}\n")
                    (decoy / real.name).chmod(0o644)
            decoy.chmod(0o755)
            self.arguments += ["--bind", f"{folder}={decoy}"]
        self.arguments += ["--trap", str(Path(results).resolve())]

    def remove(self):
        shutil.rmtree(self._decoys, ignore_errors=True)


def seen_outside(result, shown):
    """The runner's result with the box's paths in its notes (a crash's maps) and in the
    processes still running read as the files they show: `shown` maps each to its file, so
    that a backtrace finds the file's symbols and a timeout names the program."""
    def outside(line):
        return " ".join(str(shown.get(word, word)) for word in line.split(" "))

    result["notes"] = [outside(line) for line in result["notes"]]
    result["still_running"] = [outside(line) for line in result["still_running"]]
    return result


def header(rows, user):
    """The report's line on the isolation the tests ran in (the weakest, when they differ), or
    none when no test ran; a WARNING when they ran unboxed."""
    kinds = {r["isolation"]: r.get("isolation_error") for r in rows if r.get("isolation")}
    who = f"run as {user}, each test with a user id of its own" if user else "run as root" if os.geteuid() == 0 else "run as the grader's own user"
    if "none" in kinds:
        why = f" ({kinds['none']})" if kinds["none"] else ""
        return [f"WARNING: test programs ran UNBOXED: no namespace could be made{why}, so only file modes kept "
                f"them from the tests' expectations, and nothing from the network; grade as root, or where "
                f"unprivileged user namespaces are allowed (a container needs CAP_SYS_ADMIN for the box)"]
    if "user-namespace" in kinds:
        return [f"ISOLATION: user namespace (own mount, PID, network, IPC namespaces; {WHAT_THE_BOX_SHOWS}; {who})"]
    if "namespaces" in kinds:
        return [f"ISOLATION: namespaces (own mount, PID, network, IPC namespaces; {WHAT_THE_BOX_SHOWS}; {who})"]
    return []
