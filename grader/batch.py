"""A class in one command: every submission in a folder graded, several at once, into a gradebook.

    make grade-all SUBMISSIONS=DIR [OUT=DIR] [J=N] [T=... RUBRIC=... ALIGN=... TESTCASES=...]
    /usr/bin/python3 -m grader.batch DIR [--out OUT] [--jobs N] [VAR=VALUE ...]

A submission is a file (`alice.c`, `bob.cc`: the student is its stem) or a folder (`alice/`
holding alloc.c, .cc or .cpp, with a dmalloc.c beside it joining the slot as in `make test`, or
a dmalloc file alone). Each is copied into a slot of its own, OUT/STUDENT/slot/, and graded there
by `make test` with the VAR=VALUE given, one test at a time, JOBS students at once. The test
programs every slot shares are built once first (`make shared-tests`), so that the students'
runs only link theirs.

OUT/STUDENT/ keeps the student's terminal report (report.txt), results.json and record.json,
written last: a student whose record matches the submission's content hash and the options is
not graded again, so a batch stopped in any way (Ctrl-C, kill -9) resumes where it stopped, and
a student it stopped halfway is graded afresh. OUT/gradebook.csv has one row per student,
rewritten as each finishes; docs/batch.md lists its columns.
"""

import argparse
import csv
import ctypes
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from grader import testcase as tc
from grader import verdict as V

ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = (".c", ".cc", ".cpp")
ALLOCATORS = tuple(f"alloc{s}" for s in SUFFIXES)
LAYERS = tuple(f"dmalloc{s}" for s in SUFFIXES)
RECORD, RUNNING, REPORT, RESULTS = "record.json", "running.json", "report.txt", "results.json"
GRADEBOOK, BUILD_LOG = "gradebook.csv", "build.log"
# A student's directory name: the name with anything but these replaced, and a hash of the real
# name added when that changed it, so that two names never share a directory.
UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
# What make cannot take in a path given as a variable.
MAKE_UNSAFE = re.compile(r"[\s#$%:;=\\'\"]")
VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Statuses of a gradebook row; `error` (the grader produced no results) is graded again on a rerun.
OK, NOT_BUILT, INCOMPLETE, NO_SUBMISSION, ERROR, PENDING = (
    "ok", "not-built", "incomplete", "no-submission", "error", "pending")
GRACE = 5.0  # seconds a stopped grading run gets to kill its tests before SIGKILL
PR_SET_PDEATHSIG = 1


class UsageError(Exception):
    """Nothing to grade, or nowhere to put it: one line, exit 2."""


def directory_name(student):
    clean = UNSAFE.sub("_", student).lstrip(".") or "_"
    if clean != student or clean in (GRADEBOOK, BUILD_LOG):
        clean += "-" + hashlib.sha256(student.encode(errors="surrogateescape")).hexdigest()[:8]
    return clean


def shown(name):
    """A name as a terminal line shows it: a newline in a file name must not break the line."""
    return name if name.isprintable() else repr(name)


@dataclass
class Submission:
    student: str  # the real name, as the gradebook shows it
    path: Path  # the file or folder in DIR
    key: str  # its directory under OUT
    hash: str = None  # of its content, when the batch started; None when it cannot be read

    def files(self):
        """(name inside the submission, path) of every file it holds, in order."""
        if self.path.is_file():
            return [(self.path.name, self.path)]
        found = []
        for top, _, names in os.walk(self.path):
            found += [(os.path.relpath(os.path.join(top, n), self.path), Path(top, n)) for n in names]
        return sorted(found)

    def allocator(self):
        """The name of the file `make test` grades, in the slot's copy; None when there is none."""
        if self.path.is_file():
            return "alloc" + self.path.suffix
        names = {p.name for p in self.path.iterdir() if p.is_file()}
        return next((n for n in ALLOCATORS + LAYERS if n in names), None)

    def digest(self):
        total = hashlib.sha256()
        for name, path in self.files():
            total.update(name.encode(errors="surrogateescape") + b"\0")
            total.update(hashlib.sha256(path.read_bytes()).digest())
        return total.hexdigest()

    def copy_into(self, directory):
        """The submission as the slot's sources: a file as alloc.c (.cc, .cpp), a folder whole,
        so that its own headers and its dmalloc file stay beside its allocator."""
        if self.path.is_file():
            directory.mkdir(parents=True)
            shutil.copyfile(self.path, directory / self.allocator())
        else:
            shutil.copytree(self.path, directory, symlinks=True, copy_function=shutil.copy)


def find_submissions(directory):
    """The submissions in DIR in order of name, and the names of the entries that are none."""
    entries, ignored = [], []
    for path in sorted(directory.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir() or (path.is_file() and path.suffix in SUFFIXES):
            entries.append(path)
        else:
            ignored.append(path.name)
    stem = {p: p.name if p.is_dir() else p.stem for p in entries}
    # alice.c beside alice.cc or alice/: each is named by its whole entry name instead.
    taken = Counter(stem.values())
    names = [stem[p] if taken[stem[p]] == 1 else p.name for p in entries]
    return [Submission(n, p, directory_name(n)) for n, p in zip(names, entries)], ignored


# Each student's `make test` runs under this shell, the leader of its process group: a SIGTERM
# to the shell reaches the whole group (make, its sub-makes, pytest, the runners, which kill
# their tests), and the batch's death, kill -9 included, sends the shell SIGTERM
# (_die_with_the_batch). Without it, a sub-make whose parent died would go on linking.
GROUP_LEADER = 'trap "trap - TERM; kill -TERM 0" TERM; "$@" & wait $!'


def _die_with_the_batch():
    """In the child, before its shell starts."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def group_members(pgid):
    """The command lines of the processes in process group `pgid`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            if int(stat[stat.rindex(")") + 2:].split()[2]) == pgid:
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except (OSError, ValueError, IndexError):
            continue
    return found


def stop_group(pgid, proc=None):
    """SIGTERM to a grading run's process group (the runner then kills its test), SIGKILL to
    whatever is left after GRACE seconds."""
    with suppress(OSError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE
    while time.monotonic() < deadline:
        if proc is not None:
            proc.poll()
        try:
            os.killpg(pgid, 0)
        except OSError:
            break
        time.sleep(0.05)
    else:
        with suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
    if proc is not None:
        proc.wait()


# make's last line when `make test` exits non-zero, as it does whenever a test was lost.
MAKE_ERROR = re.compile(r"make(\[\d+\])?: \*\*\* \[.*\] Error \d+")


def drop_make_error(report):
    """A graded student's report without make's closing error line: losing tests is the grade,
    and the line would read to the student as if grading itself had failed."""
    lines = report.read_text(errors="replace").splitlines(keepends=True)
    while lines and MAKE_ERROR.fullmatch(lines[-1].strip()):
        lines.pop()
    report.write_text("".join(lines))


@dataclass
class Job:
    submission: Submission
    proc: subprocess.Popen
    started: float
    report: io.TextIOWrapper  # report.txt, open for make's output


@dataclass
class Batch:
    directory: Path
    out: Path
    jobs: int
    variables: list  # VAR=VALUE for every make run
    records: dict = field(default_factory=dict)  # key -> record
    times: list = field(default_factory=list)  # seconds of each student graded in this run

    @property
    def options(self):
        return dict(v.split("=", 1) for v in self.variables)

    def make(self, *args):
        """A make command line run from the tree's root, with the batch's variables."""
        return ["make", "-s", "--no-print-directory", *args, *self.variables]

    @staticmethod
    def environment():
        """The batch's environment without the MAKEFLAGS of `make grade-all`: its jobserver is
        not ours to share, and its variables reach make through self.variables alone."""
        return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}

    def for_make(self, path):
        """A path as make is given it: relative to the tree when inside it."""
        path = path.resolve()
        return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)

    def student_dir(self, submission):
        return self.out / submission.key

    def current(self, submission):
        """The student's record when it is of this submission graded with these options, else None."""
        record = self.records.get(submission.key)
        if record and submission.hash and record.get("hash") == submission.hash and record["options"] == self.options:
            return record
        return None

    def complete(self, submission):
        record = self.current(submission)
        return record is not None and record["status"] != ERROR

    def load_records(self, submissions):
        for s in submissions:
            with suppress(OSError, ValueError):
                self.records[s.key] = json.loads((self.student_dir(s) / RECORD).read_text())

    def build_shared(self):
        """The harness and the test objects, once for the class (make -k: a test that does not
        compile costs that test alone, in every slot)."""
        print(f"building the test programs once for the class ({self.for_make(self.out / BUILD_LOG)})", flush=True)
        with open(self.out / BUILD_LOG, "w") as log:
            subprocess.run(self.make("-k", f"-j{self.jobs}", "shared-tests"), cwd=ROOT, stdout=log,
                           stderr=subprocess.STDOUT, env=self.environment(), check=False)
        build = ROOT / self.options.get("BUILD", "build")  # an absolute BUILD stays itself
        if not (build / "harness" / "runner").exists():
            tail = (self.out / BUILD_LOG).read_text(errors="replace").splitlines()[-20:]
            raise RuntimeError("the harness did not build:\n" + "\n".join(tail))

    def stop_leftover(self, directory):
        """What an earlier batch, killed, left grading this student: stopped before its
        directory is cleared, so that nothing of the old run writes into the new one."""
        try:
            running = json.loads((directory / RUNNING).read_text())
        except (OSError, ValueError):
            return
        if any(running["slot"] in command for command in group_members(running["pgid"])):
            stop_group(running["pgid"])

    def start(self, submission):
        """Start grading one student: its Job, or None when there is nothing to run (a folder
        with no allocator, a submission that cannot be read), whose record is then written at once."""
        directory = self.student_dir(submission)
        self.stop_leftover(directory)
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        record = {"student": submission.student, "submission": submission.path.name, "options": self.options,
                  "hash": submission.hash}
        try:
            if submission.hash is None:
                submission.digest()  # raises what made it unreadable
            alloc = submission.allocator()
            if alloc is None:
                held = ", ".join(name for name, _ in submission.files()) or "nothing"
                return self.finish_record(submission, {**record, "status": NO_SUBMISSION, "note": (
                    f"no {', '.join(ALLOCATORS)} or {', '.join(LAYERS)} in the folder (it holds: {held})")})
            slot = directory / "slot"
            submission.copy_into(slot / "src")
        except OSError as e:
            return self.finish_record(submission, {**record, "status": ERROR, "note": f"cannot read the submission: {e}"})
        slot_arg = self.for_make(slot)
        report = open(directory / REPORT, "w")
        proc = subprocess.Popen(
            # DEBIAN_PACKAGES empty: `make grade-all` checked them once, and fifty students'
            # checks would each run dpkg, and try apt-get while another holds its lock.
            ["/bin/sh", "-c", GROUP_LEADER, "sh", *self.make(
                "test", f"ALLOC={slot_arg}/src/{alloc}", f"SLOT={slot_arg}", "J=1", "DEBIAN_PACKAGES=")],
            cwd=ROOT, stdout=report, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.environment(),
            start_new_session=True, preexec_fn=_die_with_the_batch,
        )
        (directory / RUNNING).write_text(json.dumps({"pgid": proc.pid, "slot": slot_arg}))
        return Job(submission, proc, time.monotonic(), report)

    def finish(self, job):
        """The record of a student whose `make test` ended, from the grader's summary.json."""
        job.report.close()
        directory = self.student_dir(job.submission)
        record = {"student": job.submission.student, "submission": job.submission.path.name,
                  "options": self.options, "hash": job.submission.hash,
                  "seconds": round(time.monotonic() - job.started, 1)}
        results = directory / "slot" / "results"
        try:
            summary = json.loads((results / "summary.json").read_text())
            shutil.copyfile(results / RESULTS, directory / RESULTS)
        except (OSError, ValueError):
            lines = (directory / REPORT).read_text(errors="replace").strip().splitlines() or ["no output"]
            record.update(status=ERROR, note=f"the grader wrote no results; {REPORT} ends: {lines[-1]}")
            return self.finish_record(job.submission, record)
        drop_make_error(directory / REPORT)
        categories, maxima, verdicts = {}, {}, Counter()
        for test in summary["tests"]:
            categories[test["category"]] = categories.get(test["category"], 0) + test["points"]
            maxima[test["category"]] = maxima.get(test["category"], 0) + test["max_points"]
            verdicts[test["verdict"]] += 1
        if summary["not_built"]:
            status, note = NOT_BUILT, summary["not_built"]
        elif summary["tests_total"] is None or summary["tests_run"] < summary["tests_total"]:
            status, note = INCOMPLETE, f"{summary['tests_run']} of {summary['tests_total']} tests ran"
        else:
            status, note = OK, ""
        record.update(status=status, note=note, score=summary["score"], max_score=summary["max_score"],
                      categories=categories, category_max=maxima, verdicts=dict(verdicts))
        if status != NOT_BUILT:  # the ETA counts runs of tests, not failed compiles
            self.times.append(record["seconds"])
        return self.finish_record(job.submission, record)

    def finish_record(self, submission, record):
        """Written last, and whole: its presence says the student is graded."""
        directory = self.student_dir(submission)
        tmp = directory / (RECORD + ".tmp")
        tmp.write_text(json.dumps(record, indent=2) + "\n")
        tmp.replace(directory / RECORD)
        (directory / RUNNING).unlink(missing_ok=True)
        self.records[submission.key] = record
        return None

    def write_gradebook(self, submissions):
        rows = [self.current(s) or {"status": PENDING} for s in submissions]
        current = [r for r in rows if r["status"] != PENDING]
        categories = [c for c in tc.CATEGORIES if any(c in r.get("categories", {}) for r in current)]
        categories += sorted({c for r in current for c in r.get("categories", {})} - set(categories))
        verdicts = list(V.VERDICTS) + sorted({v for r in current for v in r.get("verdicts", {})} - set(V.VERDICTS))
        tmp = self.out / (GRADEBOOK + ".tmp")
        with open(tmp, "w", newline="") as f:
            writer = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
            writer.writerow(["student", "score", "max", *(f"{c}{m}" for c in categories for m in ("", " max")),
                             *verdicts, "status", "seconds", "submission", "note"])
            for s, r in zip(submissions, rows):
                writer.writerow([
                    s.student, number(r.get("score")), number(r.get("max_score")),
                    *(number(r.get(key, {}).get(c)) for c in categories for key in ("categories", "category_max")),
                    *(r["verdicts"].get(v, 0) if "verdicts" in r else "" for v in verdicts),
                    r["status"], number(r.get("seconds")), s.path.name, r.get("note", ""),
                ])
        tmp.replace(self.out / GRADEBOOK)

    def progress(self, done, total, submission, left):
        """One line per student graded; `left` students are still to grade, `running` of them
        at once once the next have started."""
        running = min(self.jobs, left)
        record = self.records[submission.key]
        if "score" in record:
            what = f"{number(record['score'])}/{number(record['max_score'])}"
            what += "" if record["status"] == OK else f", {record['status']}"
        else:
            what = f"{record['status']}: {record['note']}"
        line = f"[{done}/{total}] {shown(submission.student)}: {what}"
        if "seconds" in record:
            line += f" ({record['seconds']:.0f} s)"
        if left:
            line += f" \N{EM DASH} {running} running"
            if self.times:
                # Those running are half done, on average.
                eta = (left - running / 2) * sum(self.times) / len(self.times) / self.jobs
                line += f", ETA {eta:.0f} s" if eta < 90 else f", ETA {eta / 60:.0f} min"
        print(line, flush=True)

    def run(self, submissions):
        for s in submissions:
            with suppress(OSError):
                s.hash = s.digest()
        todo = [s for s in submissions if not self.complete(s)]
        done = len(submissions) - len(todo)
        print(f"{len(submissions)} submissions in {self.directory}: {done} already graded, {len(todo)} to grade, "
              f"{self.jobs} at once; results in {self.for_make(self.out)}/", flush=True)
        self.write_gradebook(submissions)
        running = []
        try:
            if todo:
                self.build_shared()
            while todo or running:
                while todo and len(running) < self.jobs:
                    s = todo.pop(0)
                    job = self.start(s)
                    if job is None:
                        done += 1
                        self.write_gradebook(submissions)
                        self.progress(done, len(submissions), s, len(running) + len(todo))
                    else:
                        running.append(job)
                ended = [j for j in running if j.proc.poll() is not None]
                for job in ended:
                    running.remove(job)
                    # Its shell has ended: nothing else of its group may outlive it.
                    stop_group(job.proc.pid, job.proc)
                    self.finish(job)
                    done += 1
                    self.write_gradebook(submissions)
                    self.progress(done, len(submissions), job.submission, len(running) + len(todo))
                if not ended:
                    time.sleep(0.1)
        except KeyboardInterrupt:
            for job in running:
                stop_group(job.proc.pid, job.proc)
                job.report.close()
            self.write_gradebook(submissions)
            print(f"interrupted: {done} of {len(submissions)} graded; the same command again resumes", flush=True)
            return 130
        errors = sum(self.records[s.key]["status"] == ERROR for s in submissions)
        print(f"gradebook: {self.for_make(self.out / GRADEBOOK)}" + (f" ({errors} not graded: status error)" if errors else ""))
        return 1 if errors else 0


def number(value):
    """A score as the gradebook writes it: 12, not 12.0 nor 11.999999999999998 (a sum of the
    performance category's fractions)."""
    if isinstance(value, float):
        value = round(value, 6)
        return int(value) if value.is_integer() else value
    return "" if value is None else value


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python3 -m grader.batch", description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path, help="a folder of submissions: alice.c, bob.cc, carol/alloc.c")
    parser.add_argument("variables", nargs="*", metavar="VAR=VALUE",
                        help="make variables for each student's `make test` (T=1-5, RUBRIC=malloc, ALIGN=8, ...)")
    parser.add_argument("--out", type=Path, help="where the gradebook and reports go (default: build/class/DIR-NAME)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="students graded at once (default: cores)")
    args = parser.parse_intermixed_args(argv)
    bad = [v for v in args.variables if not VARIABLE.match(v)]
    if bad:
        parser.error(f"not VAR=VALUE: {' '.join(bad)}")
    args.jobs = max(args.jobs, 1)
    return args


def main(argv=None):
    sys.stdout.reconfigure(errors="backslashreplace")
    args = parse_args(argv)
    try:
        directory = args.submissions
        if not directory.is_dir():
            raise UsageError(f"{directory}: not a folder of submissions")
        submissions, ignored = find_submissions(directory)
        if not submissions:
            raise UsageError(f"{directory}: no submissions in it (a file alice.c, .cc or .cpp, or a folder each)"
                             + (f"; ignored: {', '.join(ignored)}" if ignored else ""))
        build = dict(v.split("=", 1) for v in args.variables).get("BUILD", "build")
        out = args.out or ROOT / build / "class" / directory_name(directory.resolve().name)
        out.mkdir(parents=True, exist_ok=True)
        if MAKE_UNSAFE.search(str(out.resolve())):
            raise UsageError(f"{out}: make cannot take this path for the slots; give OUT= a plainer one")
        lock = open(out / ".lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"{out}: another batch is grading into it") from None
        if ignored:
            print(f"ignored (not a submission): {', '.join(map(shown, ignored))}")
        batch = Batch(directory, out.resolve(), args.jobs, args.variables)
        batch.load_records(submissions)
        signal.signal(signal.SIGTERM, _interrupted)
        signal.signal(signal.SIGHUP, _interrupted)
        return batch.run(submissions)
    except UsageError as e:
        print(f"grade-all: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:
        print(f"grade-all: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
