"""The performance category: the slot replays malloc-lab traces (harness/trace_driver.c), and each
trace scores its utilization and its throughput against libc's allocator (docs/performance.md).

    /usr/bin/python3 -m grader.performance --slot build/slot [--build build] [--deterministic]

prints one row per trace and malloc lab's summary line, `Perf index = U (util) + T (thru) = P/100`.
`grade()` is what the grader calls: rows with the trace, its requests, utilization, throughput
ratio and points.

Throughput is measured two ways. By default the slot and libc replay the same trace in the same
run, interleaved (slot, libc, slot, libc...), each in a fresh process, until each side's K best
times agree within 2% (CS:APP's K-best rule) or a round cap; the ratio is libc's best time over
the slot's, so drift of the machine's speed between rounds hits both sides alike. With
--deterministic, each side's replay is counted in instructions under callgrind, which gives the
same number on every run; the ratio is libc's count over the slot's.
"""

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from grader import perf_report


@dataclass
class Weights:
    """How a trace's utilization and throughput ratio turn into its score, from 0 to 1.

    Each measure maps linearly onto 0..1 between its range's ends (below the first, nothing;
    from the second, everything), and the two are weighted: with the defaults, a trace earns
    0.6 * utilization + 0.4 * min(1, throughput ratio)."""

    util: float = 0.6
    thru: float = 0.4
    util_range: tuple = (0.0, 1.0)
    thru_range: tuple = (0.0, 1.0)

    def __post_init__(self):
        if self.util < 0 or self.thru < 0 or not math.isclose(self.util + self.thru, 1.0):
            raise ValueError(f"the weights of utilization and throughput must add up to 1: {self.util} + {self.thru}")
        for lo, hi in (self.util_range, self.thru_range):
            if not 0 <= lo < hi:
                raise ValueError(f"a range of the performance score must rise from 0 or more: {lo}..{hi}")


def scaled(value, bounds):
    lo, hi = bounds
    return min(1.0, max(0.0, (value - lo) / (hi - lo)))


@dataclass
class Row:
    """One trace's result. `error` is set when the slot failed the trace's correctness pass (it
    then scores nothing) or the trace could not be replayed; `ratio` is None when throughput was
    not measured."""

    trace: str
    ops: int
    util: float = 0.0
    ratio: float = None
    points: float = 0.0  # earned, of max_points
    max_points: float = 1.0
    error: str = None
    libc_util: float = None
    detail: dict = field(default_factory=dict)  # the raw measurements, for the report and the plots

    @property
    def trace_fault(self):
        """Whether the error is the trace's (malformed, or a request on an id it got wrong),
        not the slot's: a grader error, whatever the slot."""
        return bool(self.error) and "bad trace:" in self.error

    @property
    def score(self):
        return self.points / self.max_points if self.max_points else 0.0


# ---- where things are ---------------------------------------------------------------------


def slot_driver(slot_dir):
    """The driver linked with the slot's liballoc.a (the Makefile's $(SLOT)/perf/trace_driver)."""
    return Path(slot_dir) / "perf" / "trace_driver"


def libc_driver(build_dir):
    """The same driver on libc's allocator."""
    return Path(build_dir) / "harness" / "trace_driver_libc"


def default_traces(build_dir, testcases="testcases"):
    """The committed traces (testcases/traces/) and those generated at build time (build/traces/)."""
    found = []
    for folder in (Path(testcases) / "traces", Path(build_dir) / "traces"):
        found += sorted(folder.glob("*.rep"))
    return found


REPLAYED = ("malloc", "free", "calloc", "realloc")


class MissingInterface(Exception):
    """The slot lacks functions the traces call: linked anyway, the driver would measure libc's."""

    def __init__(self, missing):
        super().__init__(f"the slot does not define {', '.join(missing)}")
        self.missing = missing


def missing_functions(slot_dir):
    """The functions of REPLAYED that the slot's liballoc.a does not define."""
    out = subprocess.run(["nm", "--defined-only", str(Path(slot_dir) / "liballoc.a")], capture_output=True, text=True,
                         check=False).stdout
    defined = {line.split()[-1] for line in out.splitlines() if len(line.split()) == 3}
    return [f for f in REPLAYED if f not in defined]


# ---- running the driver ------------------------------------------------------------------


class OutOfTime(Exception):
    """A launcher's refusal to start the driver: the run's time budget is spent."""


def run_plainly(driver, options, traces, timeout, wrapper=(), workdir=None):
    """The driver run as a child of this process, under `wrapper` (valgrind's command) if given,
    in `workdir`, where it may write (its series, callgrind's counts): (its standard output, why
    it may have stopped early). `make perf` runs it so; the grader runs it in the box
    (grader/perf_box.py), a launcher with the same arguments."""
    cmd = [*wrapper, str(Path(driver).resolve()), *options, *(str(Path(t).resolve()) for t in traces)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=workdir)
    except subprocess.TimeoutExpired as e:
        return e.stdout.decode(errors="replace") if e.stdout else "", f"still running at its time limit ({timeout:g} s)"
    why = done.stderr.strip().splitlines()[-1:] or ["no message"]
    return done.stdout, f"exit status {done.returncode}: {why[0]}" if done.returncode else why[0]


def run_driver(driver, traces, *options, timeout=None, launch=run_plainly, workdir=None):
    """The driver's JSON lines, by trace name. Lines that are not JSON are ignored; a trace the
    driver said nothing about gets an error of its own, and so does a trace with two result
    lines: the driver writes one, so the other came from code in its process (the slot's)."""
    output, why = launch(driver, [str(o) for o in options], list(traces), timeout, workdir=workdir)
    results, seen = {}, {}
    for line in output.splitlines():
        try:
            entry = json.loads(line) if line.startswith("{") else None
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("trace"), str):
            seen[entry["trace"]] = seen.get(entry["trace"], 0) + 1
            results[entry["trace"]] = entry
    for trace in traces:
        name = Path(trace).name
        if seen.get(name, 0) > 1:
            results[name] = {"trace": name, "ops": 0, "ok": False,
                             "error": f"{seen[name]} result lines for one trace: something else wrote on the driver's output"}
        elif name not in results:
            results[name] = {"trace": name, "ops": 0, "ok": False, "error": f"the driver stopped: {why}"}
    return results


def check(driver, traces, align=16, seed=1, series_dir=None, timeout=60, launch=run_plainly):
    """The correctness and utilization pass, every trace in a process of its own."""
    options = ["--mode", "check", "--align", align, "--seed", seed, "--timeout", timeout]
    if series_dir:
        Path(series_dir).mkdir(parents=True, exist_ok=True)
        options += ["--series", Path(series_dir).resolve()]
    return run_driver(driver, traces, *options, launch=launch, workdir=series_dir)


def converged(times, k, tolerance):
    """CS:APP's K-best rule: the k smallest times lie within `tolerance` of the smallest."""
    if len(times) < k:
        return False
    best = sorted(times)[:k]
    return best[-1] <= best[0] * (1 + tolerance)


def time_interleaved(slot, libc, traces, k=3, tolerance=0.02, max_rounds=10, budget=30.0, timeout=60,
                     launch=run_plainly):
    """Best replay times of each trace on both drivers: {name: (slot_best, libc_best)}, or an
    error string for a trace whose timing run failed. Rounds alternate the two drivers over the
    traces whose times have not converged yet, until none is left, max_rounds have run, the
    rounds have taken `budget` seconds (a slow allocator's trace may take seconds a round), or
    the launcher is out of time (the best times so far stand)."""
    samples = {Path(t).name: ([], []) for t in traces}
    failed = {}
    pending = list(traces)
    start = time.monotonic()
    for _ in range(max_rounds):
        try:
            rounds = [run_driver(driver, pending, "--mode", "time", "--timeout", timeout, launch=launch)
                      for driver in (slot, libc)]
        except OutOfTime as e:
            untimed = {Path(t).name for t in pending if not all(samples[Path(t).name])}
            failed.update((name, str(e)) for name in untimed)
            break
        for side, results in enumerate(rounds):
            for name, entry in results.items():
                if entry["ok"]:
                    samples[name][side].extend(entry["seconds"])
                else:
                    failed[name] = entry["error"]
        pending = [
            t for t in pending
            if Path(t).name not in failed
            and not all(converged(s, k, tolerance) for s in samples[Path(t).name])
        ]
        if not pending or time.monotonic() - start > budget:
            break
    return {
        name: failed.get(name) or (min(s), min(l))
        for name, (s, l) in samples.items()
    }


def valgrind_available():
    return shutil.which("valgrind") is not None


def valgrind():
    """valgrind's program itself: Debian's `valgrind` is a script that runs `$0.bin`, which fails
    under another name (the box runs its program as /heaplab/test)."""
    return shutil.which("valgrind.bin") or shutil.which("valgrind") or "valgrind"


def count_instructions(driver, trace, workdir, launch=run_plainly, timeout=600):
    """The instructions of the driver's replay of one trace, under callgrind: the replay
    function's alone (hl_replay_requests), the same number on every run. `workdir` is the
    launch's own: callgrind writes its counts there."""
    out = Path(workdir).resolve() / "counts.callgrind"
    wrapper = [
        valgrind(), "--tool=callgrind", f"--callgrind-out-file={out}",
        "--collect-atstart=no", "--toggle-collect=hl_replay_requests", "--dump-line=no", "--compress-strings=no",
    ]
    _, why = launch(driver, ["--mode", "count"], [trace], timeout, wrapper=wrapper, workdir=workdir)
    text = out.read_text() if out.exists() else ""
    found = re.search(r"^(?:totals|summary): (\d+)", text, re.M)
    if not found:
        return f"callgrind failed: {why or 'no count'}"
    return int(found.group(1))


def count_both(slot, libc, traces, jobs=2, launch=run_plainly):
    """{name: (slot_instructions, libc_instructions)} or an error string per trace."""
    def count(driver, trace):
        with tempfile.TemporaryDirectory(prefix="heaplab-count-") as workdir:
            return count_instructions(driver, trace, workdir, launch)

    with ThreadPoolExecutor(jobs) as pool:
        futures = {
            Path(t).name: (pool.submit(count, slot, t), pool.submit(count, libc, t))
            for t in traces
        }
        results = {}
        for name, (s, l) in futures.items():
            s, l = s.result(), l.result()
            results[name] = next((x for x in (s, l) if isinstance(x, str)), None) or (s, l)
        return results


# ---- the score ------------------------------------------------------------------------------


def grade(slot_dir, build_dir="build", traces=None, weights=None, deterministic=False, align=16, seed=1,
          points_per_trace=1.0, series_dir=None, testcases="testcases", launch=run_plainly, rounds=10,
          timing_seconds=30.0, trace_timeout=60):
    """One Row per trace: the slot's correctness pass and utilization, its throughput ratio to
    libc's allocator, and the points it earns of points_per_trace. `launch` runs the driver
    (run_plainly; the grader's runs it in the box); the timing stops after `rounds` rounds or
    `timing_seconds`; a trace whose correctness pass runs past `trace_timeout` seconds fails alone.
    Raises MissingInterface when the slot does not define the functions the
    traces call, FileNotFoundError when the drivers were not built (the slot did not compile),
    OutOfTime when the launcher's time ran out before the correctness pass."""
    weights = weights or Weights()
    traces = list(traces) if traces is not None else default_traces(build_dir, testcases)
    slot, libc = slot_driver(slot_dir), libc_driver(build_dir)
    missing = missing_functions(slot_dir)
    if missing:
        raise MissingInterface(missing)
    for program in (slot, libc):
        if not program.exists():
            raise FileNotFoundError(f"{program} is missing: build it with `make perf-programs`")
    with ThreadPoolExecutor(2) as pool:  # no timing here: the two passes may share the machine
        checked, baseline = pool.map(
            lambda side: check(side[0], traces, align, seed, series_dir and Path(series_dir) / side[1], trace_timeout,
                               launch=launch),
            ((slot, "slot"), (libc, "libc")),
        )
    rows = {}
    for trace in traces:
        entry = checked[Path(trace).name]
        row = Row(trace=entry["trace"], ops=entry["ops"], max_points=points_per_trace)
        row.libc_util = baseline[row.trace].get("util")
        if entry["ok"]:
            row.util = entry["util"]
            row.detail.update(peak_payload=entry["peak_payload"], peak_footprint=entry["peak_footprint"])
        else:
            row.error = entry["error"]
        rows[row.trace] = row
    good = [t for t in traces if not rows[Path(t).name].error]
    if deterministic:
        measured = count_both(slot, libc, good, launch=launch)
        unit = "instructions"
    else:
        measured = time_interleaved(slot, libc, good, max_rounds=rounds, budget=timing_seconds, launch=launch)
        unit = "seconds"
    for name, result in measured.items():
        row = rows[name]
        if isinstance(result, str) and "still running" in result:
            row.ratio = 0.0  # too slow to time: no throughput points, its utilization stands
            row.detail.update(unit=unit, slot=None, libc=None, note=f"throughput: {result}")
            continue
        if isinstance(result, str):
            row.error = f"throughput: {result}"
            continue
        slot_cost, libc_cost = result
        row.detail.update(unit=unit, slot=slot_cost, libc=libc_cost)
        row.ratio = libc_cost / slot_cost if slot_cost > 0 else 0.0
    for row in rows.values():
        if row.error:
            row.points = 0.0
        else:
            earned = weights.util * scaled(row.util, weights.util_range)
            earned += weights.thru * scaled(row.ratio or 0.0, weights.thru_range)
            row.points = earned * points_per_trace
    return list(rows.values())


def perf_index(rows, weights=None):
    """Malloc lab's summary: (U, T, P), the utilization and throughput parts out of 100 and their
    sum, over every trace (a failed trace counts zero in both)."""
    weights = weights or Weights()
    if not rows:
        return 0.0, 0.0, 0.0
    util = sum(0 if r.error else scaled(r.util, weights.util_range) for r in rows) / len(rows)
    thru = sum(0 if r.error else scaled(r.ratio or 0.0, weights.thru_range) for r in rows) / len(rows)
    u, t = 100 * weights.util * util, 100 * weights.thru * thru
    return u, t, u + t


def index_line(rows, weights=None):
    """malloc lab's summary line: `Perf index = U (util) + T (thru) = P/100`."""
    u, t, p = perf_index(rows, weights)
    return f"Perf index = {u:.0f} (util) + {t:.0f} (thru) = {p:.0f}/100"


def table(rows, weights=None):
    """The per-trace table and the Perf index line, as printed."""
    lines = [f"{'trace':<24} {'ops':>8} {'util':>6} {'libc':>6} {'thru':>6} {'points':>12}"]
    for r in rows:
        libc = f"{r.libc_util:.2f}" if r.libc_util is not None else "-"
        if r.error:
            lines.append(f"{r.trace:<24} {r.ops:>8} {'-':>6} {libc:>6} {'-':>6} {r.points:>5.2f}/{r.max_points:<6.3g}")
            lines.append(f"    {r.error}")
        else:
            lines.append(
                f"{r.trace:<24} {r.ops:>8} {r.util:>6.2f} {libc:>6} {r.ratio:>6.2f} {r.points:>5.2f}/{r.max_points:<6.3g}"
            )
    lines.append(index_line(rows, weights))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slot", default="build/slot", help="the slot's build directory")
    parser.add_argument("--build", default="build", help="the build root")
    parser.add_argument("--testcases", default="testcases", help="the folder holding traces/")
    parser.add_argument("--deterministic", action="store_true", help="count instructions under callgrind")
    parser.add_argument("--align", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1, help="seeds the payload bytes")
    parser.add_argument("--util-weight", type=float, default=0.6)
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--report", help="write report.html and a plot per trace into this folder")
    parser.add_argument("traces", nargs="*", help="trace files (default: the committed and generated ones)")
    args = parser.parse_args(argv)
    weights = Weights(util=args.util_weight, thru=round(1 - args.util_weight, 6))
    if args.deterministic and not valgrind_available():
        sys.exit("--deterministic needs valgrind (Debian's valgrind package)")
    start = time.monotonic()
    series = Path(args.report) / "series" if args.report else None
    rows = grade(args.slot, args.build, args.traces or None, weights, args.deterministic, args.align, args.seed,
                 series_dir=series, testcases=args.testcases)
    mode = "instruction counts" if args.deterministic else "best times"
    print(table(rows, weights))
    print(f"({mode}, {time.monotonic() - start:.1f} s)")
    if args.report and perf_report.available():
        print(f"report: {perf_report.write(rows, series, args.report, index_line(rows, weights), mode)}")
    elif args.report:
        print("report: not written: its plots need python3-matplotlib (make deps installs it)")
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in rows], indent=1) + "\n")


if __name__ == "__main__":
    main()
