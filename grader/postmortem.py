"""How a test ended badly, told from the notes its runtime left (harness/test_runtime.c) and what
the runner saw: where it crashed, with a short symbolized backtrace, and what it was still
running when its time ran out.

Everything here is best effort: a note that cannot be read or a frame that cannot be symbolized
is left out, and without notes the verdict reads as it would without this module.
"""

import os
import struct
import subprocess
from dataclasses import dataclass, field

SHOWN_FRAMES = 8  # frames of a backtrace in the report
CALL_CHAIN = 3  # functions named in a stack overflow's chain
PAGE = 4096
PT_LOAD = 1
# Where every program starts and ends up: not worth a line of a student's backtrace.
STARTUP = {"_start", "__libc_start_main", "__libc_start_call_main", "__libc_start_main_impl"}


@dataclass
class Frame:
    index: int
    function: str  # "calloc", or "libc.so.6+0x1234" when nothing better is known
    location: str  # "alloc.c:42", or the module's file name

    def __str__(self):
        return f"#{self.index:<3} {self.function} ({self.location})"


@dataclass
class Crash:
    signal: int
    overflow: bool
    depth: int = 0
    frames: list = field(default_factory=list)  # Frame, innermost first, indices may skip

    def headline(self):
        """` in calloc (alloc.c:42): stack overflow: calloc ← calloc ← calloc … (523,771 frames)`"""
        if not self.frames:
            return ": stack overflow" if self.overflow else ""
        top = self.frames[0]
        text = f" in {top.function} ({top.location})"
        if self.overflow:
            chain = " ← ".join(f.function for f in self.frames[:CALL_CHAIN])
            text += f": stack overflow: {chain} … ({self.depth:,} frames)"
        return text

    def backtrace(self):
        """Up to SHOWN_FRAMES lines: the innermost frames, and for an overflow the outermost
        ones too, which say where the runaway recursion started."""
        frames = [f for f in self.frames if f.function not in STARTUP]
        if not self.overflow or len(frames) <= SHOWN_FRAMES:
            return [f"  {f}" for f in frames[:SHOWN_FRAMES]]
        inner = [f for f in frames if f.index < SHOWN_FRAMES // 2]
        outer = [f for f in frames if f.index >= SHOWN_FRAMES // 2][-(SHOWN_FRAMES - len(inner)):]
        skipped = outer[0].index - inner[-1].index - 1 if inner and outer else 0
        return ([f"  {f}" for f in inner] + [f"  ...  ({skipped:,} frames like these)"]
                + [f"  {f}" for f in outer])


def crash_of(result):
    """The crash the notes describe, symbolized; None without a crash note or on any error."""
    try:
        return _crash_of(result.get("notes") or [])
    except (OSError, ValueError, IndexError, struct.error, subprocess.SubprocessError):
        return None


def _crash_of(notes):
    crash, maps, pcs = None, [], []
    for note in notes:
        kind, _, rest = note.partition(" ")
        if kind == "crash":  # a later crash (the leader's, after a child's) replaces one before
            sig, _fault, how = rest.split()
            crash, maps, pcs = Crash(int(sig), how == "overflow"), [], []
        elif kind == "map":
            start, end, offset, path = rest.split(" ", 3)
            maps.append((int(start, 16), int(end, 16), int(offset, 16), path))
        elif kind == "frame":
            index, pc = rest.split()
            pcs.append((int(index), int(pc, 16)))
        elif kind == "depth" and crash:
            crash.depth = int(rest)
    if crash is None:
        return None
    crash.frames = _symbolize(pcs, maps)
    return crash


def _symbolize(pcs, maps):
    """Frames for (index, pc) pairs: each pc's file from the maps, its function and line from
    addr2line on the address the file's own headers give it."""
    where = {}
    for _, pc in pcs:
        for start, end, offset, path in maps:
            if start <= pc < end:
                where[pc] = (path, pc - _load_bias(path, start, offset))
                break
    names = {}
    for path in {p for p, _ in where.values()}:
        addresses = sorted({a for p, a in where.values() if p == path})
        names.update({(path, a): n for a, n in zip(addresses, addr2line(path, addresses))})
    frames = []
    for index, pc in pcs:
        if pc not in where:
            frames.append(Frame(index, f"{pc:#x}", "?"))
            continue
        path, address = where[pc]
        module = os.path.basename(path)
        function, location = names.get((path, address), ("??", "??:0"))
        if function == "??":
            function = f"{module}+{address:#x}"
        frames.append(Frame(index, function, module if location.startswith("??") else location))
    return frames


def _load_bias(path, start, offset):
    """What was added to the file's addresses where it was mapped at `start` from `offset`."""
    with open(path, "rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2 or header[5] != 1:
            return start - offset  # not a 64-bit little-endian ELF file: assume vaddr == offset
        phoff, = struct.unpack_from("<Q", header, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", header, 0x36)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, _flags, p_offset, p_vaddr = struct.unpack_from("<IIQQ", table, i * phentsize)
        if p_type == PT_LOAD and p_offset - p_offset % PAGE == offset:
            return start - (p_vaddr - p_vaddr % PAGE)
    return start - offset


def addr2line(path, addresses):
    """(function, "file:line") for each address, "??" where unknown."""
    done = subprocess.run(
        ["addr2line", "-f", "-C", "-e", path, *(f"{a:#x}" for a in addresses)],
        capture_output=True, text=True, timeout=30, check=True,
    )
    lines = done.stdout.splitlines()
    pairs = []
    for function, location in zip(lines[0::2], lines[1::2]):
        location = location.split(" (discriminator")[0]
        file, _, line = location.rpartition(":")
        pairs.append((function, f"{os.path.basename(file)}:{line}" if file != "??" else "??:0"))
    return pairs


def still_running(result, most=8):
    """Lines naming the processes of a test that timed out that were still running."""
    running = result.get("still_running") or []
    lines = [f"  {_short(command)}" for command in running[:most]]
    lines += ["  ..."] if len(running) > most else []
    return ["still running when killed:"] + lines if lines else []


def unfinished_program(result):
    """For a test that ran a program on both allocators (hl_run_both) and timed out: which one
    did not finish, and how long it took on libc's allocator. '' if there is none."""
    started, ended = {}, {}
    for note in result.get("notes") or []:
        kind, _, rest = note.partition(" ")
        fields = rest.split()
        if kind == "run" and len(fields) == 2:
            started[tuple(fields)] = True
        elif kind == "ran" and len(fields) == 4:
            ended[(fields[0], fields[1])] = fields[2]
    for program, where in started:
        if (program, where) in ended:
            continue
        if where == "libc":
            return f"{program} did not finish on libc's allocator"
        took = ended.get((program, "libc"))
        return f"{program} did not finish on the allocator under test" + (
            f" (on libc's allocator it took {took} s)" if took else "")
    return ""


def _short(command, most=120):
    return command if len(command) <= most else command[: most - 3] + "..."
