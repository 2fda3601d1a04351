"""Test programs run in a box (harness/runner.c --box, grader/box.py): they cannot read the
tests, write where the grader keeps its results, reach the network or learn their test's name,
and the shortcuts they try are caught and named."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
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

UID = r'''
#include <stdio.h>
#include <unistd.h>
int main(void) { printf("uid %d\n", (int)getuid()); return 0; }
//! uid 65534
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
    assert first and first[0].startswith("ISOLATION: namespaces") and first[0].endswith("run as nobody)")


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
