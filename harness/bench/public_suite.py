#!/usr/bin/python3
"""public_suite.py - `make bench-public`: mimalloc-bench's programs under the slot and the
reference allocators, as a table of ratios to glibc.

usage: public_suite.py SLOT_SO BUILD_DIR [--reps N] [--only NAME,...]

BUILD_DIR is where mimalloc-bench's bench/ was built with cmake (it is not part of this
repository; README.md's Benchmarks section says how to get it). Each program runs with the
arguments mimalloc-bench's bench.sh gives it, thread counts set to 2, under every allocator
(interleave.py), REPS times. A program's time is its wall time, or for those that run for a
fixed time and report their throughput, the time bench.sh derives from that. Peak RSS is
/usr/bin/time's %M: the rusage of a child of Python would count Python's own resident set.

Exit status: 0 when every run succeeded (targets missed are printed, not failed), 1 when a run
failed, 2 when BUILD_DIR does not hold the programs built or /usr/bin/time is missing.
"""
import os
import re
import statistics
import sys
import tempfile

from interleave import allocators, command_line, geomean, interleaved, misses, run, summarize, verdict

TOOL = "bench-public"
TIME = "/usr/bin/time"
# The targets of the reference allocator (README.md, Benchmarks): no program slower than glibc,
# no peak RSS above 1.1x glibc's, and a geometric mean within 1.15x mimalloc's.
MAX_TIME, MAX_RSS, MAX_OVER_MIMALLOC = 1.0, 1.1, 1.15
GET = """mimalloc-bench is not part of heaplab; build it outside the repository, e.g.:
  git clone https://github.com/daanx/mimalloc-bench /tmp/mb/src
  cmake -S /tmp/mb/src/bench -B /tmp/mb/build -DCMAKE_BUILD_TYPE=Release
  make -C /tmp/mb/build cfrac espresso barnes larson xmalloc-test alloc-test \\
       glibc-simple glibc-thread mstress rptest malloc-large
then run make bench-public MB=/tmp/mb/build. Where cmake stops at shbench or security (they
need downloads), delete their lines from /tmp/mb/src/bench/CMakeLists.txt."""


def reported(pattern, scale=None):
    """A time read from the program's output: the number pattern captures, or scale over it
    when the number is a throughput (bench.sh's relative time)."""
    def parse(out, elapsed):
        m = re.search(pattern, out, re.M)
        if m is None:
            return None
        n = float(m.group(1))
        return scale / n if scale else n
    return parse


def from_wall(out, elapsed):
    return elapsed


# name, arguments, standard input (a file of the sources, relative to bench/), how its time is read
PROGRAMS = [
    ("cfrac", ["cfrac", "17545186520507317056371138836327483792789528"], None, from_wall),
    ("espresso", ["espresso", "{src}/espresso/largest.espresso"], None, from_wall),
    ("barnes", ["barnes"], "barnes/input", from_wall),
    ("larson", ["larson", "5", "8", "1000", "5000", "100", "4141", "2"], None,
     reported(r"relative time: ([\d.]+)")),
    ("xmalloc-test", ["xmalloc-test", "-w", "2", "-t", "5", "-s", "64"], None, reported(r"^rtime: ([\d.]+)")),
    ("alloc-test1", ["alloc-test", "1"], None, from_wall),
    ("alloc-test2", ["alloc-test", "2"], None, from_wall),
    ("glibc-simple", ["glibc-simple"], None, from_wall),
    ("glibc-thread", ["glibc-thread", "2"], None, reported(r"^(\d+) iterations", 1e9)),
    ("mstress", ["mstress", "2", "50", "25"], None, from_wall),
    ("rptest", ["rptest", "2", "0", "1", "2", "500", "1000", "100", "8", "16000"], None,
     reported(r"\.\.\.(\d+) memory ops", 2e6)),
    ("malloc-large", ["malloc-large"], None, from_wall),
]


def source_dir(build):
    """mimalloc-bench's bench/ folder, which cmake recorded in the build's cache."""
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as cache:
            for line in cache:
                if line.startswith("CMAKE_HOME_DIRECTORY:"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return None


def unusable(build, programs):
    """Why BUILD_DIR cannot be used, or None."""
    if not build:
        return "no build directory given (MB=DIR)"
    if not os.path.isdir(build):
        return f"{build} does not exist"
    src = source_dir(build)
    if src is None or not os.path.isdir(src):
        return f"{build} holds no cmake build of mimalloc-bench's bench/ (no CMakeCache.txt naming it)"
    missing = [argv[0] for _, argv, _, _ in programs if not os.access(os.path.join(build, argv[0]), os.X_OK)]
    if missing:
        return f"{build} lacks the programs {', '.join(sorted(set(missing)))}"
    return None


def measure_with(build, src, programs):
    """measure(program, preload) -> (time, peak RSS in KiB, ok) for interleave.interleaved."""
    by_name = {p[0]: p for p in programs}

    def measure(name, preload):
        _, argv, stdin, parse = by_name[name]
        argv = [os.path.join(build, argv[0])] + [a.format(src=src) for a in argv[1:]]
        with tempfile.NamedTemporaryFile("r", prefix="heaplab-rss-") as rss:
            r = run([TIME, "-f", "%M", "-o", rss.name] + argv, preload, cwd=build,
                    stdin=os.path.join(src, stdin) if stdin else None)
            peak = rss.read().split()
        t = parse(r.out, r.elapsed)
        ok = r.ok and t is not None and bool(peak) and peak[-1].isdigit()
        return (t if t is not None else r.elapsed), (int(peak[-1]) if ok else 0), ok
    return measure


def table(programs, names, summary):
    """The issue's table in Markdown: time ratio to glibc per allocator, the slot's peak RSS over
    glibc's; then the geometric means."""
    others = [a for a in names if a != "glibc"]
    print("| program | glibc s | " + " | ".join(others) + " | slot RSS / glibc |")
    print("|---" * (len(others) + 3) + "|")
    for i, (p, glibc_time) in enumerate(programs):
        print(f"| {p} | {glibc_time:.2f} | " + " | ".join(f"{summary.ratios[a][i]:.2f}" for a in others)
              + f" | {summary.rss[i]:.2f} |")
    print(f"| geometric mean ({len(programs)}) | | " + " | ".join(f"{summary.geo[a]:.2f}" for a in others)
          + f" | {geomean(summary.rss):.2f} |")
    if "mimalloc" in summary.geo:
        print(f"\nslot geomean / mimalloc geomean: {summary.geo['slot'] / summary.geo['mimalloc']:.3f}")


def main():
    args, chosen = command_line(TOOL, "build", "program", [p[0] for p in PROGRAMS])
    programs = [p for p in PROGRAMS if p[0] in chosen]
    why = unusable(args.build, programs)
    if why:
        print(f"{TOOL}: {why}.\n{GET}", file=sys.stderr)
        return 2
    if not os.access(TIME, os.X_OK):
        print(f"{TOOL}: {TIME} is missing (Debian package time): sudo apt-get install -y time",
              file=sys.stderr)
        return 2
    allocs = allocators(args.slot, TOOL)
    names = [a for a, _ in allocs]
    measure = measure_with(args.build, source_dir(args.build), programs)
    results = interleaved([p[0] for p in programs], allocs, args.reps, measure, TOOL)
    jobs = [p[0] for p in programs]
    summary = summarize(jobs, names, results)
    table([(j, statistics.median(t for t, _, _ in results[(j, "glibc")])) for j in jobs], names, summary)
    return verdict(misses(jobs, summary, {j: (MAX_TIME, MAX_RSS) for j in jobs}, MAX_OVER_MIMALLOC),
                   summary.failed)


if __name__ == "__main__":
    sys.exit(main())
