#!/usr/bin/python3
"""run_bench.py - `make bench`: time the workloads under the slot and the reference allocators.

usage: run_bench.py SLOT_SO WORKLOADS_BIN [--reps N] [--only NAME,...]

Each workload (see workloads.c) runs under every allocator preloaded (the slot's alloc.so,
glibc = nothing preloaded, jemalloc, mimalloc, tcmalloc when installed), interleaved: one
repetition of every allocator, then the next repetition, so that a change in the machine's
load hits all of them alike. Wall time and peak RSS (VmHWM, which the workload prints as it exits)
are measured per run; the table shows the median over the repetitions, and each time as a ratio to glibc's.
The last rows are the median and geometric mean of each allocator's ratios.
"""
import argparse
import math
import os
import statistics
import subprocess
import sys
import time

WORKLOADS = ["larson", "xmalloc", "simple", "simple-mt", "cache-scratch", "cache-thrash",
             "mstress", "realloc", "large", "frag"]
LIBDIR = "/usr/lib/x86_64-linux-gnu"
OTHERS = [("jemalloc", LIBDIR + "/libjemalloc.so.2"),
          ("mimalloc", LIBDIR + "/libmimalloc.so.2"),
          ("tcmalloc", LIBDIR + "/libtcmalloc_minimal.so.4")]


def run(binary, workload, preload):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if preload:
        env["LD_PRELOAD"] = preload
    start = time.monotonic()
    child = subprocess.Popen([binary, workload], env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, text=True)
    out = child.stdout.read()
    _, status, _ = os.wait4(child.pid, 0)
    elapsed = time.monotonic() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stdout.close()
    ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    peak = [int(w.split()[1]) for w in out.splitlines() if w.startswith("peak_rss_kb ")]
    return elapsed, peak[0] if peak else 0, ok and bool(peak)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("slot")
    ap.add_argument("binary")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    allocs = [("slot", os.path.abspath(args.slot)), ("glibc", "")]
    for name, path in OTHERS:
        if os.path.exists(path):
            allocs.append((name, path))
        else:
            print(f"bench: {name} not installed ({path}); skipped", file=sys.stderr)
    workloads = args.only.split(",") if args.only else WORKLOADS
    times = {(w, a): [] for w in workloads for a, _ in allocs}
    rss = {(w, a): [] for w in workloads for a, _ in allocs}
    failed = set()
    for rep in range(args.reps):
        for w in workloads:
            order = allocs if rep % 2 == 0 else list(reversed(allocs))
            for a, so in order:
                t, m, ok = run(args.binary, w, so)
                if not ok:
                    failed.add((w, a))
                times[(w, a)].append(t)
                rss[(w, a)].append(m)
        print(f"bench: repetition {rep + 1}/{args.reps} done", file=sys.stderr)

    names = [a for a, _ in allocs]
    head = f"{'benchmark':<14}" + "".join(f"{a:>24}" for a in names)
    print(head)
    print(f"{'':<14}" + "".join(f"{'time  (x glibc)   RSS':>24}" for _ in names))
    ratios = {a: [] for a in names}
    for w in workloads:
        base = statistics.median(times[(w, "glibc")])
        row = f"{w:<14}"
        for a in names:
            t = statistics.median(times[(w, a)])
            m = statistics.median(rss[(w, a)]) / 1024
            r = t / base if base > 0 else float("nan")
            ratios[a].append(r)
            mark = "!" if (w, a) in failed else " "
            row += f"{t:>8.3f}s ({r:4.2f}){m:>7.1f}M{mark}"
        print(row)
    print(f"{'median ratio':<14}" + "".join(f"{statistics.median(ratios[a]):>24.3f}" for a in names))
    geo = {a: math.exp(sum(math.log(r) for r in ratios[a]) / len(ratios[a])) for a in names}
    print(f"{'geomean ratio':<14}" + "".join(f"{geo[a]:>24.3f}" for a in names))
    if "mimalloc" in geo:
        print(f"slot geomean / mimalloc geomean: {geo['slot'] / geo['mimalloc']:.3f}")
    if "frag" in workloads:
        fr = statistics.median(rss[("frag", "slot")]) / statistics.median(rss[("frag", "glibc")])
        print(f"frag peak RSS slot / glibc: {fr:.3f}")
    if failed:
        print("runs that failed (marked !): " + ", ".join(f"{w}/{a}" for w, a in sorted(failed)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
