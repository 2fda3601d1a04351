"""The allocator slot as built by the Makefile: whether it compiled, and what it defines."""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

# The functions a test may call that only the slot defines, by the family a report names them
# by: a test calling one the slot lacks is missing-interface, named, rather than a link error or a
# run on libc's version.
FAMILIES = {
    "the C allocation family": ("malloc", "free", "calloc", "realloc"),
    "the aligned family": ("posix_memalign", "aligned_alloc", "memalign", "valloc", "pvalloc", "malloc_usable_size"),
    "the heap reports": ("malloc_stats", "alloc_check_heap"),
    "the dmalloc interface": (
        "dmalloc_malloc", "dmalloc_free", "dmalloc_calloc", "dmalloc_realloc", "dmalloc_get_statistics",
        "dmalloc_print_statistics", "dmalloc_print_leak_report", "dmalloc_print_heavy_hitter_report",
    ),
}
FUNCTIONS = tuple(f for functions in FAMILIES.values() for f in functions)


def families(functions):
    """`the aligned family, the dmalloc interface`: what a report calls a set of missing functions."""
    return ", ".join(name for name, members in FAMILIES.items() if set(members) & set(functions))


@dataclass
class Slot:
    path: Path  # the slot's build directory, e.g. build/slot
    build: Path  # the build root, e.g. build

    @property
    def library(self):
        return self.path / "liballoc.a"

    @property
    def shared_object(self):
        return self.path / "alloc.so"

    @property
    def tracker(self):
        """The tracker (docs/tracker.md), preloaded ahead of alloc.so when grading."""
        return self.build / "harness" / "tracker.so"

    @property
    def layer(self):
        """The debugging layer beside the slot's file that was linked into it (a `dmalloc.c`
        next to `alloc.c`, see the Makefile), else None."""
        sources = self.path / "sources"
        if not self.library.exists() or not sources.exists():
            return None
        members = subprocess.run(["ar", "t", str(self.library)], capture_output=True, text=True, check=False)
        names = sources.read_text().split()
        return names[-1] if len(names) > 1 and "dmalloc.o" in members.stdout.split() else None

    @property
    def compile_error(self):
        """The compiler's first error line when the slot did not build, else None."""
        if self.library.exists() and self.shared_object.exists():
            return None
        log = self.path / "compile.log"
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        return first_error(lines) or "the slot was not built (run `make test`, which builds it)"

    def defined(self):
        """The functions the built slot defines: (C names, names defined with C++ linkage)."""
        if not self.shared_object.exists():
            return set(), set()
        symbols, cxx = set(), set()
        for demangle, into in ((False, symbols), (True, cxx)):
            out = subprocess.run(
                ["nm", "-D", "--defined-only", *(["-C"] if demangle else []), str(self.shared_object)],
                capture_output=True, text=True, check=False,
            ).stdout
            for line in out.splitlines():
                parts = line.split(maxsplit=2)
                if len(parts) == 3 and (not demangle or "(" in parts[2]):
                    into.add(parts[2].split("(")[0])
        return symbols, cxx

    def called(self, test):
        """The slot's functions (FUNCTIONS) that the test's own object file calls; empty when it
        was not compiled."""
        obj = self.build / "tests" / f"{test.build_name}.o"
        if not obj.exists():
            return set()
        out = subprocess.run(["nm", "-u", str(obj)], capture_output=True, text=True, check=False).stdout
        return {line.split()[-1] for line in out.splitlines() if line.strip()} & set(FUNCTIONS)

    def program(self, test, mode):
        """The test's executable for a mode: the static build links the slot's library."""
        return (self.path if mode == "static" else self.build) / "tests" / test.build_name

    def build_log(self, test, mode):
        """The first error of the compiler or the linker for a test program that was not built
        (C++ prefixes its errors with a line naming the function); for one that left no log of
        its own, make's."""
        for log in (self.build / "tests" / f"{test.build_name}.log", self.program(test, mode).with_suffix(".log")):
            lines = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
            if lines:
                return first_error(lines)
        return self.make_message(test)

    def make_message(self, test):
        """What make said about a test program that left no log of its own (its preload build's
        link, a missing prerequisite): the most telling line of build.log that names it."""
        log = self.path / "build.log"
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        return first_error([line for line in lines if test.build_name in line])


# A compiler's error, an undefined symbol; else what the linker said (collect2's own line says
# only that ld failed).
ERROR = re.compile(r": (fatal )?error:|undefined reference")
LINKER = re.compile(r"^(\S*/)?ld(\.\w+)?: ")


def first_error(lines):
    """The line of a build's messages that says best what went wrong, or None when none."""
    lines = [line for line in lines if not line.startswith("collect2:")] or lines
    for wanted in (ERROR.search, LINKER.search, bool):
        found = [line for line in lines if wanted(line)]
        if found:
            return found[0]
    return None
