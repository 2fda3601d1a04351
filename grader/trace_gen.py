"""Synthetic malloc-lab traces, from a seed: the classic families of CS:APP's malloc lab, in its
trace format (docs/performance.md), sized large enough that a slow allocator shows.

    /usr/bin/python3 -m grader.trace_gen OUTDIR [--seed N] [--scale X]

writes one NAME.rep per entry of SUITE into OUTDIR. The same seed and scale give the same bytes,
so the traces are generated at build time (build/traces/) instead of committed.
"""

import argparse
import random
from pathlib import Path


class Trace:
    """Requests as they are made; ids are handed out in order and never reused."""

    def __init__(self):
        self.lines = []
        self.ids = 0
        self.live = []  # the live ids, in no order
        self.where = {}  # id -> its index in self.live, so that a free takes O(1)

    def malloc(self, size):
        i = self.ids
        self.ids += 1
        self.where[i] = len(self.live)
        self.live.append(i)
        self.lines.append(f"a {i} {size}")
        return i

    def realloc(self, i, size):
        self.lines.append(f"r {i} {size}")

    def free(self, i):
        last = self.live.pop()
        if last != i:
            self.live[self.where[i]] = last
            self.where[last] = self.where[i]
        del self.where[i]
        self.lines.append(f"f {i}")

    def free_all(self):
        for i in sorted(self.live):
            self.free(i)

    def text(self):
        header = ["0", str(self.ids), str(len(self.lines)), "1"]
        return "\n".join(header + self.lines) + "\n"


def binary(rng, n, small, big, after):
    """Pairs of a small and a big block; the big ones are freed, and blocks a little bigger than
    their holes asked for: an allocator that cannot coalesce across the small ones must grow."""
    t = Trace()
    pairs = [(t.malloc(small + rng.randrange(8)), t.malloc(big)) for _ in range(n)]
    for _, b in pairs:
        t.free(b)
    for _ in range(n):
        t.malloc(after)
    t.free_all()
    return t


def coalescing(rng, n, kept):
    """Two neighbours freed, then one block of both their sizes: free space must coalesce. The
    merged blocks stay live for a while, `kept` of them at a time."""
    t = Trace()
    held = []
    for _ in range(n):
        size = 4095 + rng.randrange(-64, 64)
        x, y = t.malloc(size), t.malloc(size)
        t.free(x)
        t.free(y)
        held.append(t.malloc(2 * size))
        if len(held) > kept:
            t.free(held.pop(rng.randrange(len(held))))
    t.free_all()
    return t


def random_mix(rng, n, max_size, live_target):
    """Random sizes, random frees, a live set around live_target blocks."""
    t = Trace()
    for _ in range(n):
        if t.live and (len(t.live) > live_target or rng.random() < 0.45):
            t.free(rng.choice(t.live))
        else:
            t.malloc(rng.randint(1, max_size))
    t.free_all()
    return t


def realloc_growth(rng, n, start, step, small):
    """One buffer grown by realloc while small blocks are allocated right after it, so that it
    cannot always grow in place (CS:APP's realloc-bal)."""
    t = Trace()
    buf = t.malloc(start)
    size = start
    prev = t.malloc(small)
    for _ in range(n):
        size += rng.randint(1, step)
        t.realloc(buf, size)
        nxt = t.malloc(small)
        t.free(prev)
        prev = nxt
    t.free_all()
    return t


def small_and_huge(rng, n, huge_every):
    """Many small blocks churning, and now and then a huge one held for a while."""
    t = Trace()
    huge = []
    for k in range(n):
        if k % huge_every == 0:
            huge.append(t.malloc(rng.randint(1, 8) << 20))
            if len(huge) > 2:
                t.free(huge.pop(0))
        elif t.live and rng.random() < 0.48:
            victim = rng.choice(t.live)
            if victim not in huge:
                t.free(victim)
        else:
            t.malloc(rng.choice((8, 16, 24, 32, 48, 64)))
    t.free_all()
    return t


# name -> the family and its parameters at scale 1 (n is multiplied by the scale).
SUITE = {
    "binary-bal": (binary, dict(n=8000, small=64, big=448, after=512)),
    "binary2-bal": (binary, dict(n=12000, small=16, big=112, after=128)),
    "coalescing-bal": (coalescing, dict(n=6000, kept=64)),
    "random-bal": (random_mix, dict(n=40000, max_size=8192, live_target=1500)),
    "random2-bal": (random_mix, dict(n=40000, max_size=32768, live_target=400)),
    "random-small-bal": (random_mix, dict(n=60000, max_size=256, live_target=8000)),
    "realloc-bal": (realloc_growth, dict(n=8000, start=512, step=128, small=128)),
    "realloc2-bal": (realloc_growth, dict(n=8000, start=4092, step=32, small=16)),
    "small-huge-bal": (small_and_huge, dict(n=30000, huge_every=2500)),
}


def generate(outdir, seed=1, scale=1.0, names=None):
    """Writes the suite's traces (or the named ones) into outdir; their paths."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, (name, (family, params)) in enumerate(SUITE.items()):
        if names and name not in names:
            continue
        rng = random.Random(seed * 1000 + index)
        args = dict(params, n=max(1, int(params["n"] * scale)))
        path = outdir / f"{name}.rep"
        text = family(rng, **args).text()
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        paths.append(path)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    for path in generate(args.outdir, args.seed, args.scale):
        print(path)


if __name__ == "__main__":
    main()
