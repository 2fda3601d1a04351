"""interleave.py - what `make bench` and `make bench-public` share: the allocators compared, one
run of a program under one of them, interleaved repetitions, and the ratios the tables print.

The allocators: the slot's alloc.so, glibc (nothing preloaded) and Debian's jemalloc, mimalloc
and tcmalloc when installed, each put in front of the program with LD_PRELOAD. Repetitions are
interleaved: one run of every allocator on a program, then the next program, then the next
repetition in the reverse order of allocators, so that a change in the machine's load hits all
of them alike. Tables show medians, and times as ratios to glibc's measured in the same run.
"""
import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

LIBDIR = "/usr/lib/x86_64-linux-gnu"
OTHERS = [("jemalloc", LIBDIR + "/libjemalloc.so.2"),
          ("mimalloc", LIBDIR + "/libmimalloc.so.2"),
          ("tcmalloc", LIBDIR + "/libtcmalloc_minimal.so.4")]


@dataclass
class Run:
    """One run: wall time in seconds, standard output, and whether it exited with status 0."""
    elapsed: float
    out: str
    ok: bool


def command_line(tool, second, noun, known):
    """The drivers' arguments: SLOT_SO, then second, --reps N and --only NAME,... (some of known,
    in that order); returns (arguments, the names chosen), or exits 2 naming one not known."""
    sys.stdout.reconfigure(line_buffering=True)
    ap = argparse.ArgumentParser(prog=tool)
    ap.add_argument("slot")
    ap.add_argument(second)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    chosen = args.only.split(",") if args.only else list(known)
    unknown = [n for n in chosen if n not in known]
    if unknown:
        print(f"{tool}: no {noun} {', '.join(unknown)}; the {noun}s: {', '.join(known)}", file=sys.stderr)
        sys.exit(2)
    return args, chosen


def allocators(slot, tool):
    """The allocators to compare as (name, preload) pairs, glibc's preload empty; an allocator
    that is not installed is named on standard error and left out."""
    found = [("slot", os.path.abspath(slot)), ("glibc", "")]
    for name, path in OTHERS:
        if os.path.exists(path):
            found.append((name, path))
        else:
            print(f"{tool}: {name} not installed ({path}); skipped", file=sys.stderr)
    return found


def run(argv, preload, cwd=None, stdin=None):
    """Run argv with preload in LD_PRELOAD (none for glibc), stdin from the file named or
    /dev/null, standard error left to the terminal."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if preload:
        env["LD_PRELOAD"] = preload
    with open(stdin or os.devnull, "rb") as source:
        start = time.monotonic()
        child = subprocess.run(argv, env=env, cwd=cwd, stdin=source, stdout=subprocess.PIPE,
                               text=True, errors="replace")
        elapsed = time.monotonic() - start
    return Run(elapsed, child.stdout, child.returncode == 0)


def interleaved(jobs, allocs, reps, measure, tool):
    """measure(job, preload) for every job under every allocator, reps times, interleaved;
    returns {(job, allocator name): [what measure returned, one per repetition]}."""
    results = {(j, a): [] for j in jobs for a, _ in allocs}
    for rep in range(reps):
        order = allocs if rep % 2 == 0 else list(reversed(allocs))
        for j in jobs:
            for a, preload in order:
                results[(j, a)].append(measure(j, preload))
        print(f"{tool}: repetition {rep + 1}/{reps} done", file=sys.stderr)
    return results


def median_ratio(values, base):
    """The median of values over the median of base: a ratio to glibc, lower is better."""
    b = statistics.median(base)
    return statistics.median(values) / b if b > 0 else float("nan")


def geomean(ratios):
    return math.exp(sum(math.log(r) for r in ratios) / len(ratios)) if ratios else float("nan")


@dataclass
class Summary:
    """What the tables print, from the (time, peak RSS in KiB, ok) triples of interleaved()."""
    ratios: dict  # allocator: its median time over glibc's, one per job
    rss: list     # the slot's median peak RSS over glibc's, one per job
    geo: dict     # allocator: the geometric mean of its ratios
    failed: list  # "job/allocator" for each pair with a run that failed


def summarize(jobs, names, results):
    ratios = {a: [] for a in names}
    rss, failed = [], []
    for j in jobs:
        base = [t for t, _, _ in results[(j, "glibc")]]
        for a in names:
            ratios[a].append(median_ratio([t for t, _, _ in results[(j, a)]], base))
            if not all(ok for _, _, ok in results[(j, a)]):
                failed.append(f"{j}/{a}")
        rss.append(median_ratio([m for _, m, _ in results[(j, "slot")]], [m for _, m, _ in results[(j, "glibc")]]))
    return Summary(ratios, rss, {a: geomean(r) for a, r in ratios.items()}, failed)


def misses(jobs, summary, targets, max_over_mimalloc):
    """The slot's targets missed, as phrases: targets maps a job to its most time and most peak
    RSS as ratios to glibc's (None: not judged); the geometric mean is judged against
    mimalloc's only when every job with a target ran."""
    out = []
    for j, r, m in zip(jobs, summary.ratios["slot"], summary.rss):
        max_time, max_rss = targets[j]
        if r > max_time:
            out.append(f"{j} time {r:.2f}x glibc (target {max_time})")
        if max_rss is not None and m > max_rss:
            out.append(f"{j} peak RSS {m:.2f}x glibc (target {max_rss})")
    geo = summary.geo
    if len(jobs) == len(targets) and "mimalloc" in geo and geo["slot"] > max_over_mimalloc * geo["mimalloc"]:
        out.append(f"geometric mean {geo['slot'] / geo['mimalloc']:.2f}x mimalloc's (target {max_over_mimalloc})")
    return out


def verdict(missed, failed):
    """Print the targets missed and the runs that failed; the exit status: 1 when a run failed
    (a target missed is a measurement, not a failure)."""
    print("targets met" if not missed else "targets missed: " + "; ".join(missed))
    if failed:
        print("runs that failed: " + ", ".join(failed))
        return 1
    return 0
