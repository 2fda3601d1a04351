#!/usr/bin/python3
"""run_bench.py - `make bench`: time the workloads under the slot and the reference allocators.

usage: run_bench.py SLOT_SO WORKLOADS_BIN [--reps N] [--only NAME,...]

Each workload (see workloads.c) runs under every allocator, interleaved (interleave.py). Wall
time and peak RSS (VmHWM, which the workload prints as it exits) are measured per run; the table
shows the median over the repetitions, and each time as a ratio to glibc's. The last rows are
the median and geometric mean of each allocator's ratios, then the slot's misses of TARGETS.

Exit status: 0 when every run succeeded (a target missed is printed, not a failure), 1 when a
run failed (marked ! in the table), 2 for a workload it does not know.
"""
import statistics
import sys

from interleave import allocators, command_line, interleaved, misses, run, summarize, verdict

TOOL = "bench"
# The reference allocator's targets, per workload: the most time and the most peak RSS, each as
# a ratio to glibc's in the same run (None: its RSS is not judged). Over all workloads, the
# median time ratio is at most MAX_MEDIAN and the geometric mean at most MAX_OVER_MIMALLOC times
# mimalloc's.
TARGETS = {
    "larson": (1.0, None),
    "xmalloc": (1.0, None),
    "simple": (1.0, None),
    "simple-mt": (1.0, None),
    "cache-scratch": (1.0, None),
    "cache-thrash": (1.0, None),
    "mstress": (1.0, None),
    "realloc": (1.0, None),
    "large": (1.0, None),
    "frag": (1.0, 1.1),
    "large-var": (1.0, 1.1),
    "remote": (1.0, 1.1),
    "threads": (1.0, 1.1),
    "realloc-mix": (1.0, 1.1),
    "frag-bands": (1.0, 1.1),
}
MAX_MEDIAN, MAX_OVER_MIMALLOC = 0.67, 1.15


def measure_with(binary):
    """measure(workload, preload) -> (time, peak RSS in KiB, ok) for interleave.interleaved."""
    def measure(workload, preload):
        r = run([binary, workload], preload)
        peak = [int(w.split()[1]) for w in r.out.splitlines() if w.startswith("peak_rss_kb ")]
        return r.elapsed, (peak[0] if peak else 0), r.ok and bool(peak)
    return measure


def main():
    args, workloads = command_line(TOOL, "binary", "workload", list(TARGETS))
    allocs = allocators(args.slot, TOOL)
    names = [a for a, _ in allocs]
    results = interleaved(workloads, allocs, args.reps, measure_with(args.binary), TOOL)

    summary = summarize(workloads, names, results)
    print(f"{'benchmark':<14}" + "".join(f"{a:>24}" for a in names))
    print(f"{'':<14}" + "".join(f"{'time  (x glibc)   RSS':>24}" for _ in names))
    for i, w in enumerate(workloads):
        row = f"{w:<14}"
        for a in names:
            runs = results[(w, a)]
            row += (f"{statistics.median(t for t, _, _ in runs):>8.3f}s ({summary.ratios[a][i]:4.2f})"
                    f"{statistics.median(m for _, m, _ in runs) / 1024:>7.1f}M"
                    f"{'!' if f'{w}/{a}' in summary.failed else ' '}")
        print(row)
    medians = {a: statistics.median(summary.ratios[a]) for a in names}
    print(f"{'median ratio':<14}" + "".join(f"{medians[a]:>24.3f}" for a in names))
    print(f"{'geomean ratio':<14}" + "".join(f"{summary.geo[a]:>24.3f}" for a in names))
    if "mimalloc" in summary.geo:
        print(f"slot geomean / mimalloc geomean: {summary.geo['slot'] / summary.geo['mimalloc']:.3f}")
    judged = [f"{w} {m:.2f}" for w, m in zip(workloads, summary.rss) if TARGETS[w][1] is not None]
    if judged:
        print("slot peak RSS / glibc: " + ", ".join(judged))
    missed = misses(workloads, summary, TARGETS, MAX_OVER_MIMALLOC)
    if len(workloads) == len(TARGETS) and medians["slot"] > MAX_MEDIAN:
        missed.append(f"median ratio {medians['slot']:.2f} (target {MAX_MEDIAN})")
    return verdict(missed, summary.failed)

if __name__ == "__main__":
    sys.exit(main())
