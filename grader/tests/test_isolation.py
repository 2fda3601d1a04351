"""Test programs run in a box (harness/runner.c --box, grader/box.py): they cannot read the
tests, write where the grader keeps its results, reach the network or learn their test's name,
and the shortcuts they try are caught and named."""

import json
import os
import re
import select
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from grader import box
from grader import verdict as V
from grader.tests.make_test import ROOT, grade, write_testcase

RUNNER = ROOT / "build" / "harness" / "runner"
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="the namespaces box is made by root")

# Prints the //! lines of its own source: what a submission that finds the running test's file
# would print.
READS_ITS_SOURCE = r'''
#include <stdio.h>
#include <string.h>
int main(void) {
    FILE *f = fopen(__FILE__, "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "//! ", 4) == 0) fputs(line + 4, stdout);
    return 0;
}
//! expected line
'''

WRITES_RESULTS = r'''
#include <stdio.h>
int main(void) {
    FILE *f = fopen(RESULTS "/results.json", "w");
    if (f) fputs("{\"score\": 1000}", f);
    puts("done");
    return 0;
}
//! done
'''

# Connects to a port the grader's own test listens on, on the host's loopback.
CONNECTS = r'''
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>
int main(void) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    puts(s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0 ? "connected" : "no network");
    return 0;
}
//! no network
'''

# Looks for its test's name (the file's stem) where a program could find it.
KNOWS_ITS_NAME = r'''
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
    (void)argc;
    char exe[PATH_MAX] = "", cmdline[4096] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    FILE *f = fopen("/proc/self/cmdline", "r");
    if (f) fread(cmdline, 1, sizeof cmdline - 1, f);
    /* The runner, which is this program's parent, names the test on its command line. */
    char parent[64], runner[4096] = "";
    snprintf(parent, sizeof parent, "/proc/%d/cmdline", (int)getppid());
    FILE *p = fopen(parent, "r");
    size_t m = p ? fread(runner, 1, sizeof runner - 1, p) : 0;
    for (size_t i = 0; i < m; i++) if (!runner[i]) runner[i] = ' ';
    const char *env = getenv("PYTEST_CURRENT_TEST");
    printf("argv[0] %s, exe %s, parent %s, environment %s\n",
           strstr(argv[0], "knows-name") ? "names it" : "hides it",
           strstr(exe, "knows-name") ? "names it" : "hides it",
           strstr(runner, "knows-name") ? "names it" : "hides it",
           env && strstr(env, "knows-name") ? "names it" : "hides it");
    return 0;
}
//! argv[0] hides it, exe hides it, parent hides it, environment hides it
'''

# Tests run as users of their own, one per test (the runner's --user): never as root,
# nor as the nobody id that tests running at the same time would share; the box's /etc/passwd
# names the user, for programs that look it up (git, perl).
UID = r'''
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    struct passwd *pw = getpwuid(getuid());
    printf("user %s, %s\n", pw ? pw->pw_name : "unnamed",
           getuid() == 0 ? "root" : getuid() == 65534 ? "the id of nobody" : "an id of its own");
    return 0;
}
//! user nobody, an id of its own
'''


@pytest.fixture(scope="module")
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


@pytest.fixture(scope="module")
def private_tree(listener):
    """A suite graded from a 0700 directory, as a clone under /root or `mktemp -d` is."""
    top = Path(tempfile.mkdtemp())
    assert top.stat().st_mode & 0o777 == 0o700
    cases = top / "testcases"
    results = top / "slot" / "results"
    write_testcase(cases, "001-reads-source.c", READS_ITS_SOURCE)
    write_testcase(cases, "002-writes-results.c", f'#define RESULTS "{results}"\n' + WRITES_RESULTS)
    write_testcase(cases, "003-connects.c", f"#define PORT {listener}\n" + CONNECTS)
    write_testcase(cases, "004-knows-name.c", KNOWS_ITS_NAME)
    write_testcase(cases, "005-uid.c", UID)
    graded = grade(slot=top / "slot", build=top / "build", testcases=cases)
    yield graded
    shutil.rmtree(top)


@as_root
def test_reading_the_tests_source_is_caught_and_named(private_tree):
    assert "cheat: read the test's expectations from disk" in private_tree.verdicts.get(1)
    assert "expected line" not in json.dumps(private_tree.results)


@as_root
def test_writing_into_the_results_is_caught_and_named(private_tree):
    assert "cheat: wrote into the grader's results directory: " in private_tree.verdicts.get(2)
    assert private_tree.results.get("score") != 1000  # the real results.json is the grader's


@as_root
def test_no_network_no_name_and_the_unprivileged_user_in_a_private_tree(private_tree):
    passed = {int(t["number"]) for t in private_tree.results["tests"] if t["status"] == "passed"}
    assert passed == {3, 4, 5}, private_tree.stdout
    assert "WARNING" not in private_tree.stdout


@as_root
def test_the_report_names_the_isolation(private_tree):
    first = [line for line in private_tree.results["output"].splitlines() if line.startswith("ISOLATION:")]
    assert first and first[0].startswith("ISOLATION: namespaces") and first[0].endswith("run as nobody, each test with a user id of its own)")


def run_boxed(*args, program="/bin/sh", script=""):
    done = subprocess.run([str(RUNNER), "--box", *args, "--", program, "-c", script],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_box_shows_the_system_and_hides_the_rest(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("secret\n")
    result = run_boxed(script=f"ls /; cat {secret} 2>/dev/null || echo hidden")
    assert result["isolation"] in ("namespaces", "user-namespace"), result["isolation_error"]
    system = [d for d in ("bin", "etc", "lib", "lib32", "lib64", "sbin", "usr") if os.path.lexists(f"/{d}")]
    assert result["output"].split() == sorted(system + ["dev", "heaplab", "proc", "tmp"]) + ["hidden"]


def test_bind_hide_and_trap_lay_over_the_root(tmp_path):
    (tmp_path / "decoy").mkdir()
    (tmp_path / "decoy" / "001.c").write_text("//! canary\n")
    for d in (tmp_path, tmp_path / "decoy"):
        d.chmod(0o755)
    (tmp_path / "decoy" / "001.c").chmod(0o644)
    result = run_boxed(
        "--hide", "/etc", "--bind", f"/srv/tests={tmp_path / 'decoy'}", "--trap", "/srv/results",
        script="ls /etc | wc -l; cat /srv/tests/001.c; { echo x > /srv/tests/w; } 2>/dev/null || echo read-only; "
               "echo 1 > /srv/results/r.json; mkdir /srv/results/d")
    assert result["output"].splitlines() == ["0", "//! canary", "read-only"]
    assert sorted(result["trapped"]) == ["/srv/results/d", "/srv/results/r.json"]


def test_a_bound_path_in_the_environment_names_what_the_test_finds(tmp_path):
    so = tmp_path / "alloc.so"
    so.write_text("shared object\n")
    tmp_path.chmod(0o755)
    so.chmod(0o644)
    result = run_boxed("--bind", f"{box.ALLOC_SO}={so}", "--env", f"SLOT={box.ALLOC_SO}",
                       script='cat "$SLOT"; echo "$0"')
    assert result["output"] == "shared object\n/heaplab/test\n"


def test_a_writable_bind_takes_what_the_test_appends_and_nothing_else(tmp_path):
    """The tracker's records file (grader/tracker.py): appended to in the box, never replaced."""
    records = tmp_path / "records.jsonl"
    records.write_text("first\n")
    tmp_path.chmod(0o755)
    records.chmod(0o666)
    result = run_boxed("--bind-writable", f"/heaplab/tracker.jsonl={records}",
                       script="echo second >> /heaplab/tracker.jsonl; "
                              "{ mv /heaplab/tracker.jsonl /heaplab/x; } 2>/dev/null || echo kept")
    assert result["output"] == "kept\n"
    assert records.read_text() == "first\nsecond\n"


def test_unboxed_each_element_of_a_path_list_names_its_source(tmp_path):
    done = subprocess.run([str(RUNNER), "--bind", f"/heaplab/a.so={tmp_path / 'a.so'}",
                           "--bind", f"/heaplab/b.so={tmp_path / 'b.so'}",
                           "--env", "LIST=/heaplab/a.so:/heaplab/b.so:/other", "--",
                           "/bin/sh", "-c", 'echo "$LIST"'], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["output"] == f"{tmp_path / 'a.so'}:{tmp_path / 'b.so'}:/other\n"


def test_caught_outranks_every_verdict_and_names_the_shortcut():
    base = {"status": "exited", "exit_code": 0, "output": "x heaplab-decoy-1234\n", "trapped": []}
    assert V.caught(base, "heaplab-decoy-1234").verdict == V.CHEAT
    assert V.caught({**base, "output": "", "trapped": ["/r/results.json"]}, "heaplab-decoy-1234").message == \
        "wrote into the grader's results directory: /r/results.json"
    assert V.caught({**base, "output": "fine\n"}, "heaplab-decoy-1234") is None


def test_an_unboxed_run_is_a_warning_at_the_top():
    rows = [{"isolation": "namespaces"}, {"isolation": "none", "isolation_error": "unshare: Operation not permitted"}]
    (line,) = box.header(rows, "nobody")
    assert line.startswith("WARNING: test programs ran UNBOXED") and "Operation not permitted" in line
    assert box.header([{"isolation": "namespaces"}], "nobody")[0].startswith("ISOLATION: namespaces")
    assert box.header([], "nobody") == []


# Two tests at once, both as --user nobody: the fork bomb waits until the other test has started
# (so the other's process limit is already set), forks until its own limit stops it, lets two
# processes go (a test at its limit is ended as soon as its runner looks) and tells the other
# through a FIFO, then holds the rest until the other is done. The other must still fork 50
# children: with the user's processes counted machine-wide, the bomb would take them.
FORKS_50 = """
import os, time
open("/sync/started", "w").close()
held = open("/sync/full").read()
time.sleep(1)  # long enough for the bomb's runner to look at its processes
forked = 0
try:
    for _ in range(50):
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        forked += 1
except OSError as e:
    print(e)
open("/sync/done", "w").close()
print(f"the bomb held {held}, forked {forked} of 50")
"""

FORK_BOMB = """
import os, signal, time
children = []
try:
    while True:
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        children.append(pid)
except OSError:
    pass
for pid in children[:2]:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
held = len(children) - 2
with open("/sync/full", "w") as f:
    f.write(str(held))
open("/sync/done").read()
"""


def start_runner(out, *args, script):
    return subprocess.Popen([str(RUNNER), "--out", str(out), "--user", "nobody", "--timeout", "20", *args,
                             "--", "/usr/bin/python3", "-c", script], stderr=subprocess.PIPE, text=True)


def finish(runner, out):
    _, errors = runner.communicate(timeout=30)
    assert runner.returncode == 0, errors
    return json.loads(out.read_text())


def wait_readable(fd, what):
    ready, _, _ = select.select([fd], [], [], 20)
    assert ready, f"{what} never came"


@as_root
def test_a_fork_bomb_takes_no_process_from_a_concurrent_test(scratch):
    for fifo in ("started", "full", "done"):
        os.mkfifo(scratch / fifo)
        (scratch / fifo).chmod(0o666)
    sync = ["--box", "--bind", f"/sync={scratch}"]
    started = os.open(scratch / "started", os.O_RDONLY | os.O_NONBLOCK)
    other = start_runner(scratch / "other.json", *sync, "--nproc", "60", script=FORKS_50)
    wait_readable(started, "the other test's start")
    os.close(started)
    bomb = start_runner(scratch / "bomb.json", *sync, "--nproc", "60", script=FORK_BOMB)
    result = finish(other, scratch / "other.json")
    finish(bomb, scratch / "bomb.json")
    held, forked = re.fullmatch(r"the bomb held (\d+), forked (\d+) of 50", result["output"].splitlines()[-1]).groups()
    assert int(held) >= 48 and forked == "50", result["output"]


def descendants(pid):
    children = [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]
    return children + [d for c in children for d in descendants(c)]


# Unboxed, only the user id keeps one test's signals from another's processes; boxed, the PID
# namespace hides them too.
@as_root
@pytest.mark.parametrize("boxed", [False, True], ids=["unboxed", "boxed"])
def test_a_test_cannot_kill_a_concurrent_one(scratch, boxed):
    if not boxed and not all(p.stat().st_mode & stat.S_IXOTH for p in [scratch, *scratch.parents]):
        pytest.skip("unboxed, a test's own user cannot reach a program in a private tree")
    os.mkfifo(scratch / "done")
    (scratch / "done").chmod(0o666)
    done = "/sync/done" if boxed else str(scratch / "done")
    box_args = ["--box", "--bind", f"/sync={scratch}"] if boxed else []
    victim = start_runner(scratch / "victim.json", *box_args, script=f"open({done!r}).read(); print('survived')")
    deadline = time.monotonic() + 20
    while True:
        try:
            writer = os.open(scratch / "done", os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError:  # ENXIO until the victim opens it
            assert time.monotonic() < deadline, "the victim never started"
            time.sleep(0.01)
    pids = descendants(victim.pid)
    killer = start_runner(scratch / "killer.json", *box_args, script=f"""
import os, signal
for pid in {pids}:
    try:
        os.kill(pid, signal.SIGKILL)
        print("killed", pid)
    except OSError:
        pass
""")
    assert finish(killer, scratch / "killer.json")["output"] == ""
    os.write(writer, b"end")
    os.close(writer)
    result = finish(victim, scratch / "victim.json")
    assert (result["status"], result["output"]) == ("exited", "survived\n")
