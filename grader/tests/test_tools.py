"""The tracker (harness/tracker.c) and the tools on it: mreplace, mstats, leakcheck.

Each runs on small programs of tracker_progs/ whose calls, bytes and leaks are known exactly,
on libc's allocator and the slot's (the reference), and on the purpose-built allocators of
tracker_zoo/ and the cheats that take libc's memory (cheats/), each wrong in one way the tracker
must name. The tracker's own contract (the
environment and the JSON lines it writes, which the grader reads) is tested directly, the tools
through their output and exit status.
"""

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from grader.tests.make_test import CHEATS, NO_BUILTIN_ALLOC, ROOT, scratch_dir

BIN = ROOT / "build" / "bin"
TRACKER = ROOT / "build" / "harness" / "tracker.so"
SLOT_SO = ROOT / "build" / "slot" / "alloc.so"
HERE = Path(__file__).parent
PROGS = HERE / "tracker_progs"
ZOO = HERE / "tracker_zoo"
PYTHON = "/usr/bin/python3"
FUNCTIONS = ["malloc", "free", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign",
             "valloc", "pvalloc", "malloc_usable_size"]


@pytest.fixture(scope="module")
def built():
    """The tools, the tracker and the reference slot, as `make` builds them; the programs and
    the zoo's allocators in a directory of this module's own."""
    subprocess.run(["make", "-s", "--no-print-directory", "tools", "slot"], cwd=ROOT, check=True,
                   capture_output=True)
    out = scratch_dir()
    for src in PROGS.glob("*.c"):
        subprocess.run(["gcc", "-std=gnu11", "-O0", "-g", "-pthread", *NO_BUILTIN_ALLOC, "-o", out / src.stem, src, "-ldl"],
                       check=True)
    # The zoo's allocators, and the cheats that take libc's memory, which the tracker must name.
    for src in [*ZOO.glob("*.c"), CHEATS / "libc_forwarding.c", CHEATS / "dlsym_next.c"]:
        subprocess.run(["gcc", "-std=gnu11", "-O2", "-g", "-pthread", *NO_BUILTIN_ALLOC, "-fPIC", "-shared",
                        "-o", out / f"{src.stem}.so", src, "-ldl"], check=True)
    return out


def tool(name, *args, cwd=None, env=None, timeout=300):
    return subprocess.run([BIN / name, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env, check=False)


def line_of(src, marker):
    """The line number of the line of tracker_progs/src holding marker."""
    for number, line in enumerate((PROGS / src).read_text().splitlines(), 1):
        if marker in line:
            return number
    raise AssertionError(f"{marker} not in {src}")


def tracked(program, *args, alloc=None, cwd=None, extra_env=None):
    """Runs a program under the tracker as the grader would (the environment contract), and
    returns (completed process, records)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "records.jsonl"
        preload = f"{TRACKER}:{alloc}" if alloc else str(TRACKER)
        env = dict(os.environ, LD_PRELOAD=preload, HEAPLAB_TRACKER_OUT=str(out), **(extra_env or {}))
        done = subprocess.run([str(program), *args], cwd=cwd or tmp, env=env, capture_output=True, text=True,
                              timeout=300, check=False)
        records = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return done, records


def summary(records):
    summaries = [r for r in records if r["kind"] == "summary"]
    assert len(summaries) == 1, records
    return summaries[0]


def stats_rows(text):
    """mstats' table: {label: [cells]}."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"  (\S+(?: \S+)*?)\s{2,}(\S.*)$", line)
        if m:
            rows[m.group(1)] = re.split(r"\s{2,}", m.group(2).strip())
    return rows


# ---- the tracker's contract ------------------------------------------------------------------
@pytest.mark.parametrize("alloc", [None, "slot", "mmap_each"])
def test_summary_counts_every_call_exactly(built, alloc):
    so = {None: None, "slot": SLOT_SO, "mmap_each": built / "mmap_each.so"}[alloc]
    done, records = tracked(built / "counts", alloc=so)
    assert done.returncode == 0, done.stderr
    s = summary(records)
    assert s["calls"] == {"malloc": 1, "free": 8, "calloc": 1, "realloc": 1, "posix_memalign": 1,
                          "aligned_alloc": 1, "memalign": 1, "valloc": 1, "pvalloc": 1,
                          "malloc_usable_size": 1}
    assert (s["bytes_requested"], s["peak_live_bytes"], s["live_blocks"], s["live_bytes"]) == (1054, 854, 0, 0)
    assert s["violations"] == 0 and s["free_unknown"] == 0
    assert s["allocator"] == ("libc" if so is None else str(so))
    if alloc == "mmap_each":
        # one mapping per block, in whole pages, each given back by a free that ends in a tail
        # call to munmap: valloc(10) and pvalloc(10) take 2 and 3 pages, the others 1 each
        assert (s["footprint"], s["peak_footprint"]) == (0, 40960)


@pytest.mark.parametrize("zoo, kind, pattern", [
    ("libc_forwarding", "not-obtained",
     r"malloc\(24\) returned memory the allocator never obtained \(libc's heap\) at 0x[0-9a-f]+"),
    ("dlsym_next", "not-obtained",
     r"malloc\(24\) returned memory the allocator never obtained \(libc's heap\) at 0x[0-9a-f]+"),
    ("overlapping", "overlap", r"block (0x[0-9a-f]+) of malloc\(40\) overlaps live block (0x[0-9a-f]+) of malloc\(24\)"),
    ("misaligned", "misaligned", r"malloc\(24\) returned 0x[0-9a-f]*8, 8-byte aligned; 16 required"),
    ("usable_short", "usable-size",
     r"malloc_usable_size\(0x[0-9a-f]+\) returned 23, less than the block's malloc\(24\)"),
    ("realloc_half", "realloc-copy",
     r"realloc\(0x[0-9a-f]+, 80\) returned 0x[0-9a-f]+ without the first 40 bytes of the block of malloc\(40\)"),
])
def test_each_violation_is_named(built, zoo, kind, pattern):
    done, records = tracked(built / "violations", alloc=built / f"{zoo}.so")
    assert done.returncode == 0 and done.stdout == "done\n", done.stderr
    violations = [r for r in records if r["kind"] == "violation"]
    assert violations and {v["type"] for v in violations} == {kind}
    first = violations[0]
    m = re.fullmatch(pattern, first["message"])
    assert m, first["message"]
    if kind == "overlap":  # the second block starts 16 bytes into the first
        assert int(m.group(1), 16) == int(m.group(2), 16) + 16
    # where the call came from: violations.c's own code
    assert first["caller"]["module"] == str(built / "violations")
    assert summary(records)["violations"] == len(violations)


@pytest.mark.parametrize("alloc", [None, "slot", "static_arena", "mmap_each"])
def test_correct_allocators_have_no_violations(built, alloc):
    so = {None: None, "slot": SLOT_SO}.get(alloc, built / f"{alloc}.so")
    # static_arena defines no aligned family: counts.c would get libc's, never obtained.
    for program in ("violations", "threads16") + (() if alloc == "static_arena" else ("counts",)):
        done, records = tracked(built / program, alloc=so)
        assert done.returncode == 0, (program, done.stderr)
        assert [r for r in records if r["kind"] == "violation"] == [], program


def test_a_free_of_a_block_never_seen_is_passed_on(built):
    done, records = tracked(built / "foreign_free")
    assert done.returncode == 0
    s = summary(records)
    assert (s["calls"]["free"], s["free_unknown"], s["violations"]) == (1, 1, 0)


@pytest.mark.parametrize("alloc", [None, "slot"])
def test_a_program_can_ask_the_tracker(built, alloc):
    """harness/tracker.h: the counts so far and the allocator under test, found by dlsym."""
    so = SLOT_SO if alloc else None
    done, _ = tracked(built / "ask_tracker", alloc=so)
    assert done.stdout == f"{so or 'libc'}: malloc 2 free 1 requested 300 live 1/200\n"
    alone = subprocess.run([built / "ask_tracker"], capture_output=True, text=True, check=False,
                           env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"})
    assert alone.stdout == "no tracker\n"


def test_the_course_alignment_is_the_one_checked(built):
    """HEAPLAB_ALIGN (the grader's --align) sets what malloc's blocks must be aligned to."""
    _, records = tracked(built / "violations", alloc=built / "misaligned.so", extra_env={"HEAPLAB_ALIGN": "8"})
    assert summary(records)["violations"] == 0


def test_closed_stderr_is_never_written_to(built, scratch):
    """With no HEAPLAB_TRACKER_OUT the tracker writes to standard error only while descriptor 2
    is still the file it was at start: here the program reopened it on a file of its own."""
    env = dict(os.environ, LD_PRELOAD=str(TRACKER), HEAPLAB_TRACKER_LEAKS="1")
    env.pop("HEAPLAB_TRACKER_OUT", None)
    done = subprocess.run([built / "close_stderr", "victim"], cwd=scratch, env=env, capture_output=True,
                          timeout=60, check=False)
    assert done.returncode == 0
    assert (scratch / "victim").read_text() == "data\n"
    # With a file named, the records are all there.
    done, records = tracked(built / "close_stderr", str(scratch / "victim2"), extra_env={"HEAPLAB_TRACKER_LEAKS": "1"})
    assert done.returncode == 0
    assert (scratch / "victim2").read_text() == "data\n"
    assert [(r["blocks"], r["bytes"]) for r in records if r["kind"] == "leak"] == [(1, 77)]


# ---- leakcheck -------------------------------------------------------------------------------
@pytest.mark.parametrize("where", [[], ["--slot"]])
def test_leakcheck_names_both_sites(built, where):
    done = tool("leakcheck", *where, built / "leaks")
    assert done.returncode == 1
    assert done.stdout == "leaked\n"
    a, b = line_of("leaks.c", "site A"), line_of("leaks.c", "site B")
    report = done.stderr
    pid = re.search(r"^leakcheck: process (\d+) \(", report, re.M).group(1)
    assert report.splitlines() == [
        f"leakcheck: process {pid} ({built / 'leaks'}): 1200 bytes in 3 blocks never freed, from 2 sites",
        "  1000 bytes in 1 block allocated at",
        f"    main {PROGS / 'leaks.c'}:{b}",
        "  200 bytes in 2 blocks allocated at",
        f"    leak_two {PROGS / 'leaks.c'}:{a}",
        f"    main {PROGS / 'leaks.c'}:{line_of('leaks.c', 'leak_two();')}",
        "leakcheck: 1200 bytes in 3 blocks never freed, from 2 sites, in 1 of 1 process",
    ]


def test_leakcheck_json(built, scratch):
    done = tool("leakcheck", "--json", "-o", scratch / "report.json", built / "leaks")
    assert done.returncode == 1 and done.stderr == ""
    report = json.loads((scratch / "report.json").read_text())
    assert (report["leaked_blocks"], report["leaked_bytes"], report["sites"], report["status"]) == (3, 1200, 2, 0)
    (process,) = report["processes"]
    sites = [(s["blocks"], s["bytes"], [(f["function"], Path(f["file"]).name, f["line"]) for f in s["frames"]])
             for s in process["sites"]]
    assert sites == [(1, 1000, [("main", "leaks.c", line_of("leaks.c", "site B"))]),
                     (2, 200, [("leak_two", "leaks.c", line_of("leaks.c", "site A")),
                               ("main", "leaks.c", line_of("leaks.c", "leak_two();"))])]


@pytest.mark.parametrize("where", [[], ["--slot"]])
def test_leakcheck_on_true_is_clean(built, where):
    done = tool("leakcheck", *where, "true")
    assert done.returncode == 0
    assert done.stderr == "leakcheck: no leaks: every block was freed (1 process)\n"


@pytest.mark.parametrize("where", [[], ["--slot"]])
def test_leakcheck_follows_a_fork(built, where):
    """The child inherits the parent's live block: both processes leak it."""
    done = tool("leakcheck", *where, built / "fork_leak")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    heads = sorted(re.sub(r"process \d+ ", "process N ", line) for line in lines if line.startswith("leakcheck: process"))
    assert heads == [f"leakcheck: process N ({built / 'fork_leak'}): 111 bytes in 1 block never freed, from 1 site",
                     f"leakcheck: process N ({built / 'fork_leak'}): 333 bytes in 2 blocks never freed, from 2 sites"]
    assert lines[-1] == "leakcheck: 444 bytes in 3 blocks never freed, from 3 sites, in 2 of 2 processes"


@pytest.mark.parametrize("where", [[], ["--slot"]])
def test_leakcheck_with_16_threads(built, where):
    done = tool("leakcheck", *where, built / "threads16")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    at = lines.index("  1360 bytes in 16 blocks allocated at")
    assert lines[at + 1] == f"    work {PROGS / 'threads16.c'}:{line_of('threads16.c', 'the leak')}"
    assert lines[-1] == "leakcheck: 1360 bytes in 16 blocks never freed, from 1 site, in 1 of 1 process"


def test_leakcheck_on_a_program_that_closes_stderr(built, scratch):
    done = tool("leakcheck", built / "close_stderr", scratch / "victim")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == "leakcheck: 77 bytes in 1 block never freed, from 1 site, in 1 of 1 process"
    assert (scratch / "victim").read_text() == "data\n"


@pytest.mark.parametrize("where", [[], ["--slot"]])
def test_leakcheck_runs_python_and_gcc(built, scratch, where):
    done = tool("leakcheck", *where, PYTHON, "-c", "print(sum(range(1000)))")
    assert done.stdout == "499500\n"
    assert done.returncode in (0, 1)
    assert re.fullmatch(r"leakcheck: (no leaks: every block was freed \(1 process\)|"
                        r"\d+ bytes in \d+ blocks? never freed, from \d+ sites?, in 1 of 1 process)",
                        done.stderr.splitlines()[-1])
    (scratch / "x.c").write_text("int main(void) { return 0; }\n")
    done = tool("leakcheck", *where, "gcc", "-c", "x.c", "-o", "x.o", cwd=scratch)
    assert (scratch / "x.o").exists() and done.returncode in (0, 1)
    # the driver, cc1 and as each report
    m = re.fullmatch(r"leakcheck: .* in (\d+) of (\d+) processes|leakcheck: no leaks: .*\((\d+) processes\)",
                     done.stderr.splitlines()[-1])
    assert m and int(m.group(2) or m.group(3)) >= 3, done.stderr[-500:]


# ---- mstats ----------------------------------------------------------------------------------
def test_mstats_counts_exactly(built):
    done = tool("mstats", "--libc", built / "counts")
    assert done.returncode == 0
    rows = stats_rows(done.stderr)
    assert {f: rows[f] for f in FUNCTIONS} == {
        "malloc": ["1"], "free": ["8"], "calloc": ["1"], "realloc": ["1"], "posix_memalign": ["1"],
        "aligned_alloc": ["1"], "memalign": ["1"], "valloc": ["1"], "pvalloc": ["1"], "malloc_usable_size": ["1"]}
    assert rows["bytes requested"] == ["1054"] and rows["peak live bytes"] == ["854"]
    assert rows["violations"] == ["0"]


def test_mstats_footprint_and_utilization(built):
    """On mmap_each every block is its own mapping: the footprint is known to the page."""
    done = tool("mstats", f"--alloc={built / 'mmap_each.so'}", built / "footprint")
    assert done.returncode == 0
    rows = stats_rows(done.stderr)
    assert rows["peak live bytes"] == ["15100"]
    assert rows["peak footprint"] == ["24576"]
    assert rows["utilization"] == ["61.4%"]
    assert re.fullmatch(r"\d+\.\d{3} s", rows["wall time"][0]) and re.fullmatch(r"\d+ KiB", rows["peak RSS"][0])


def test_mstats_compare_counts_side_by_side(built):
    done = tool("mstats", "--compare", built / "counts")
    rows = stats_rows(done.stderr)
    assert rows["malloc"] == ["1", "1", "1.00"] and rows["free"] == ["8", "8", "1.00"]
    assert rows["bytes requested"] == ["1054", "1054", "1.00"]
    assert rows["posix_memalign"] == ["1", "1", "1.00"]


def test_mstats_compare_python(built):
    done = tool("mstats", "--compare", PYTHON, "-c", "print(sum(x * x for x in range(10000)))")
    assert done.returncode == 0
    assert done.stdout == "333283335000\n" * 2  # one run per allocator
    lines = done.stderr.splitlines()
    assert lines[1] == f"  slot: {SLOT_SO}; libc: glibc's malloc"
    assert "slot run: exit status 0, 1 process" in lines[2] and "libc run: exit status 0, 1 process" in lines[3]
    assert lines[4].split() == ["slot", "libc", "slot/libc"]
    rows = stats_rows(done.stderr)
    slot, libc, ratio = rows["malloc"]
    assert int(slot) == int(libc) > 100 and ratio == "1.00"  # the same program makes the same calls
    for label in ("peak footprint", "peak RSS"):
        slot, libc, ratio = (cell.split()[0] for cell in rows[label])
        assert int(slot) > 0 and int(libc) > 0
        assert ratio == f"{int(slot) / int(libc):.2f}"
    # times print to the millisecond, their ratio from the unrounded times
    assert re.fullmatch(r"\d+\.\d{3} s \d+\.\d{3} s \d+\.\d\d", " ".join(rows["wall time"]))
    assert rows["violations"] == ["0", "0", "-"]


def test_mstats_compare_gcc(built, scratch):
    (scratch / "x.c").write_text("int main(void) { return 0; }\n")
    done = tool("mstats", "--compare", "gcc", "-c", "x.c", "-o", "x.o", cwd=scratch)
    assert done.returncode == 0, done.stderr
    runs = re.findall(r"(slot|libc) run: exit status 0, (\d+) processes", done.stderr)
    assert [r[0] for r in runs] == ["slot", "libc"] and all(int(r[1]) >= 3 for r in runs)
    rows = stats_rows(done.stderr)
    assert rows["violations"] == ["0", "0", "-"]
    assert rows["malloc"][0] == rows["malloc"][1]


def test_mstats_names_violations(built):
    done = tool("mstats", f"--alloc={built / 'libc_forwarding.so'}", built / "violations")
    assert done.returncode == 0
    assert "mstats: 4 violations on slot:" in done.stderr
    assert re.search(r"^  malloc\(24\) returned memory the allocator never obtained \(libc's heap\)", done.stderr, re.M)


def test_mstats_follows_a_fork(built):
    """Calls are counted per process from the fork on, then summed."""
    done = tool("mstats", "--libc", built / "fork_leak")
    assert "libc run: exit status 0, 2 processes" in done.stderr
    assert stats_rows(done.stderr)["malloc"] == ["2"]


def test_mstats_with_16_threads(built):
    done = tool("mstats", "--compare", built / "threads16")
    assert done.returncode == 0
    assert stats_rows(done.stderr)["malloc"] == ["16016", "16016", "1.00"]


# ---- mreplace and what all tools share -------------------------------------------------------
def test_mreplace_runs_the_program_on_the_slot(built):
    done = tool("mreplace", PYTHON, "-c", "import os, sys; print(os.environ['LD_PRELOAD']); sys.exit(5)")
    assert done.returncode == 5
    assert done.stdout == f"{SLOT_SO}\n"
    done = tool("mreplace", f"--alloc={built / 'mmap_each.so'}", built / "counts", "3")
    assert done.returncode == 3


@pytest.mark.parametrize("name", ["mreplace", "mstats", "leakcheck"])
def test_a_program_that_cannot_run_gets_one_line(built, name):
    done = tool(name, "no-such-program-here")
    assert (done.returncode, done.stderr) == (127, f"{name}: no-such-program-here: command not found\n")
    done = tool(name, ROOT / "README.md")
    assert (done.returncode, done.stderr) == (126, f"{name}: {ROOT / 'README.md'}: not an executable file\n")
    done = tool(name, "--help")
    assert done.returncode == 0 and done.stdout.startswith(f"usage: {name} ")


@pytest.mark.parametrize("name", ["mreplace", "mstats", "leakcheck"])
def test_exit_status_passes_through(built, name):
    assert tool(name, built / "counts", "7").returncode == 7


def test_a_missing_slot_is_one_line(built, scratch):
    done = tool("mstats", built / "counts", env=dict(os.environ, SLOT=str(scratch)))
    assert (done.returncode, done.stderr) == (
        2, f"mstats: {scratch}/alloc.so: no such allocator (build the slot with `make`, or give --alloc=FILE.so)\n")
