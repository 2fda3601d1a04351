"""make grade-all: a folder of submissions graded into a gradebook, each student in a slot of its
own, the test programs built once, and an interrupted batch resumed without grading anyone
twice. A course's three-test folder keeps each student's run short."""

import csv
import json
import shutil
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

from grader.batch import directory_name
from grader.tests.make_test import LAYER_OK, MALLOC_OK, ROOT, ZOO, interruptible, write_testcase

HANGS_ON = 12345  # the size whose malloc never returns in the hanging submission
HANGING = f'#include <stdlib.h>\nint main(void) {{ free(malloc({HANGS_ON})); puts("ok"); return 0; }}\n//! ok\n'


def course(scratch):
    """Three tests: a plain one, one of the debugging layer, one that a hanging malloc loses."""
    cases = scratch / "testcases"
    write_testcase(cases, "001-plain.c", MALLOC_OK)
    write_testcase(cases, "002-layer.c", LAYER_OK, needs="dmalloc", category="statistics")
    write_testcase(cases, "003-size.c", HANGING, timeout=1)
    return cases


def make_grade_all(submissions, scratch, cases, *extra):
    return ["make", "-s", "--no-print-directory", "grade-all", f"SUBMISSIONS={submissions}",
            f"OUT={scratch / 'out'}", f"BUILD={scratch / 'build'}", f"TESTCASES={cases}", "RUBRIC=full", *extra]


def gradebook(out):
    with open(out / "gradebook.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def still_running(out):
    """The command lines of processes that name a directory under `out`."""
    mark = str(out.relative_to(ROOT))
    found = []
    for proc in Path("/proc").iterdir():
        with suppress(OSError):
            if proc.name.isdigit() and mark in (command := (proc / "cmdline").read_bytes().decode(errors="replace")):
                found.append(command.replace("\0", " "))
    return found


def test_a_class_is_graded_each_student_alone_into_a_gradebook(scratch):
    cases, class_ = course(scratch), scratch / "class"
    class_.mkdir()
    shutil.copyfile(ROOT / "alloc" / "alloc.c", class_ / "alice.c")
    shutil.copyfile(ZOO / "does_not_compile.c", class_ / "bob smith, jr.c")
    (class_ / "carol").mkdir()
    for name in ("alloc.c", "dmalloc.c"):
        shutil.copyfile(ROOT / "alloc" / name, class_ / "carol" / name)
    (class_ / "dave").mkdir()
    (class_ / "dave" / "README").write_text("no allocator here\n")
    (class_ / "eve.c").write_text(f'#define ZOO_OWN_MALLOC\n#include "{ZOO}/zoo.h"\n'
                                  f"void *malloc(size_t n) {{ for (;;) if (n != {HANGS_ON}) return ref_malloc(n); }}\n")
    done = subprocess.run(make_grade_all(class_, scratch, cases, "J=2"), cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    out = scratch / "out"
    book = gradebook(out)
    assert list(book) == ["alice", "bob smith, jr", "carol", "dave", "eve"]
    # Graded alone, alice's file has no debugging layer; carol's folder brings its own.
    assert {k: book["alice"][k] for k in ("score", "max", "status", "passed", "missing-interface")} == {
        "score": "2", "max": "3", "status": "ok", "passed": "2", "missing-interface": "1"}
    assert {k: book["carol"][k] for k in ("score", "basic", "basic max", "statistics", "statistics max", "status")} == {
        "score": "3", "basic": "2", "basic max": "2", "statistics": "1", "statistics max": "1", "status": "ok"}
    assert (book["alice"]["statistics"], book["alice"]["statistics max"]) == ("0", "1")
    assert (book["bob smith, jr"]["status"], book["bob smith, jr"]["not-built"]) == ("not-built", "3")
    assert "error: expected expression" in book["bob smith, jr"]["note"]
    assert book["dave"]["status"] == "no-submission" and "README" in book["dave"]["note"]
    # The hanging malloc costs eve the one test that calls it, and the class goes on.
    assert (book["eve"]["score"], book["eve"]["timeout"], book["eve"]["status"]) == ("2", "1", "ok")
    # Odd names are quoted in the CSV, sanitized on disk.
    assert '"bob smith, jr"' in (out / "gradebook.csv").read_text()
    assert (out / directory_name("bob smith, jr")).is_dir() and " " not in directory_name("bob smith, jr")
    report = (out / "alice" / "report.txt").read_text()
    assert "score: 2/3" in report
    # Lost tests are the grade, not a failure of grading: make's closing error line is gone.
    assert "Error" not in report.strip().splitlines()[-1]
    assert json.loads((out / "alice" / "results.json").read_text())["score"] == 2
    # Each student in a slot of its own, built from a copy of the submission.
    assert (out / "carol" / "slot" / "src" / "dmalloc.c").exists()
    assert "GRADED WITH" in (out / "carol" / "report.txt").read_text()
    # The test objects were compiled once, before the first student's submission was copied into
    # its slot: no student's run built them.
    first_copy = min(f.stat().st_mtime_ns for f in out.glob("*/slot/src/*"))
    objects = list((scratch / "build" / "tests").glob("*.o"))
    assert len(objects) == 3 and all(o.stat().st_mtime_ns < first_copy for o in objects)


def test_an_interrupted_class_resumes_without_regrading_anyone(scratch):
    cases, class_ = course(scratch), scratch / "class"
    class_.mkdir()
    students = [f"s{n}" for n in range(1, 6)]
    for s in students:
        (class_ / f"{s}.c").write_text(f"/* {s} */\n" + (ROOT / "alloc" / "alloc.c").read_text())
    out = scratch / "out"
    argv = [sys.executable, "-m", "grader.batch", str(class_), "--out", str(out), "--jobs", "1",
            f"BUILD={scratch / 'build'}", f"TESTCASES={cases}", "T=1,2", "RUBRIC=full"]

    def run_until(records, sig):
        """Start the batch, and once `records` students are graded send it `sig`."""
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                preexec_fn=interruptible)
        deadline = time.monotonic() + 300
        while len(list(out.glob("*/record.json"))) < records and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        proc.send_signal(sig)
        output, _ = proc.communicate(timeout=60)
        return output

    output = run_until(1, signal.SIGINT)
    assert "interrupted:" in output
    assert "pending" in [row["status"] for row in gradebook(out).values()]
    output = run_until(3, signal.SIGKILL)
    graded = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/record.json")}
    assert 3 <= len(graded) < len(students), output

    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(graded)} already graded, {len(students) - len(graded)} to grade" in done.stdout
    book = gradebook(out)
    assert sorted(book) == students
    assert all(row["status"] == "ok" and row["score"] == "1" for row in book.values()), book
    # Those graded before the kill kept their records; the rest were graded by the last run.
    assert {s: (out / s / "record.json").stat().st_mtime_ns for s in graded} == graded
    # A student's changed submission is graded again, and only it.
    with open(class_ / "s2.c", "a") as f:
        f.write("/* resubmitted */\n")
    again = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert f"{len(students) - 1} already graded, 1 to grade" in again.stdout, again.stdout + again.stderr
    assert "[5/5] s2: 1/2" in again.stdout


def test_a_killed_batch_leaves_nothing_of_its_run_running(scratch):
    cases, class_, out = scratch / "testcases", scratch / "class", scratch / "out"
    write_testcase(cases, "001-slow.c", "#include <unistd.h>\nint main(void) { sleep(60); }\n", timeout=100)
    class_.mkdir()
    shutil.copyfile(ROOT / "alloc" / "alloc.c", class_ / "alice.c")
    proc = subprocess.Popen([sys.executable, "-m", "grader.batch", str(class_), "--out", str(out),
                             f"BUILD={scratch / 'build'}", f"TESTCASES={cases}"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any("001-slow" in c for c in still_running(out)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert any("001-slow" in c for c in still_running(out)), "the test never started"
    proc.kill()
    proc.wait()
    # make, pytest, the runner and the test itself: all stopped with the batch, not left to
    # run out their time and write into a slot that the next run clears.
    deadline = time.monotonic() + 3
    while still_running(out) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert still_running(out) == []


def test_a_folder_without_submissions_is_refused(scratch):
    (scratch / "empty").mkdir()
    done = subprocess.run([sys.executable, "-m", "grader.batch", str(scratch / "empty")], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "no submissions in it" in done.stderr


def test_student_directories_never_share_a_name():
    names = ["a b", "a_b", "a/b", ".hidden", "gradebook.csv", "zoë"]
    dirs = [directory_name(n) for n in names]
    assert len(set(dirs)) == len(names)
    assert all(d[0] != "." and all(c.isalnum() or c in "._-" for c in d) for d in dirs)
    assert directory_name("a_b") == "a_b"
