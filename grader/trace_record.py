"""Records a program's allocation requests as a malloc-lab trace (docs/performance.md).

    /usr/bin/python3 -m grader.trace_record --recorder build/bin/trace_recorder.so --out OUT.rep \
        [--max-ops N] -- PROGRAM ARGS...

runs the program with the recorder preloaded (harness/trace_recorder.c), which logs every
process's requests by pointer, and turns the log of the process that made the most requests into
a trace by ids: an id is handed back for reuse once its block is freed, so that the trace needs
as few ids as it has live blocks at once. Requests on pointers the log never saw allocated (made
before the recorder was loaded) are dropped; free(NULL) stays, as `f -1`. --max-ops keeps the
first requests, so that a committed trace stays small.
"""

import argparse
import heapq
import os
import subprocess
import sys
import tempfile
from pathlib import Path


class Ids:
    """The smallest free id for each new block."""

    def __init__(self):
        self.free = []
        self.next = 0

    def take(self):
        if self.free:
            return heapq.heappop(self.free)
        self.next += 1
        return self.next - 1

    def give_back(self, i):
        heapq.heappush(self.free, i)


def convert(log_lines, max_ops=None):
    """The trace's text for a recorder log's lines."""
    ids, live, ops = Ids(), {}, []

    def new_block(ptr, text):
        if ptr in live:  # the log missed this pointer's free: retire its old id
            ids.give_back(live.pop(ptr))
        live[ptr] = ids.take()
        ops.append(text(live[ptr]))

    for line in log_lines:
        if max_ops is not None and len(ops) >= max_ops:
            break
        f = line.split()
        if not f:
            continue
        kind, args = f[0], [int(x, 16) if i < (2 if f[0] == "r" else 1) else int(x) for i, x in enumerate(f[1:])]
        if kind == "m" and args[0]:
            new_block(args[0], lambda i, size=args[1]: f"a {i} {size}")
        elif kind == "c" and args[0]:
            new_block(args[0], lambda i, n=args[1], size=args[2]: f"c {i} {n} {size}")
        elif kind == "f":
            if args[0] == 0:
                ops.append("f -1")
            elif args[0] in live:
                i = live.pop(args[0])
                ops.append(f"f {i}")
                ids.give_back(i)
        elif kind == "r":
            old, new, size = args
            if old == 0:
                if new:
                    new_block(new, lambda i, size=size: f"a {i} {size}")
            elif old not in live:
                continue
            elif new == 0 and size == 0:  # realloc(p, 0) freed p
                i = live.pop(old)
                ops.append(f"f {i}")
                ids.give_back(i)
            elif new:
                i = live.pop(old)
                live[new] = i
                ops.append(f"r {i} {size}")
    header = ["0", str(ids.next), str(len(ops)), "1"]
    return "\n".join(header + ops) + "\n"


def record(recorder, command, max_ops=None):
    """Runs the command under the recorder; (its exit status, the busiest process's trace)."""
    with tempfile.TemporaryDirectory(prefix="heaplab-record-") as logs:
        env = dict(os.environ, HEAPLAB_TRACE_DIR=logs, LD_PRELOAD=str(Path(recorder).resolve()))
        status = subprocess.run(command, env=env, check=False).returncode
        found = sorted(Path(logs).glob("*.log"), key=lambda p: p.stat().st_size, reverse=True)
        if not found:
            raise RuntimeError("the recorder wrote no log: was the program dynamically linked?")
        return status, convert(found[0].read_text().splitlines(), max_ops)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recorder", required=True, help="trace_recorder.so")
    parser.add_argument("--out", required=True)
    parser.add_argument("--max-ops", type=int)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to record after --")
    status, text = record(args.recorder, command, args.max_ops)
    Path(args.out).write_text(text)
    ops = text.splitlines()[2]
    print(f"{args.out}: {ops} requests (the command exited with status {status})", file=sys.stderr)


if __name__ == "__main__":
    main()
