"""The allocator slot as built by the Makefile: whether it compiled, and what it defines."""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from grader.testcase import INTERFACES


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
    def compile_error(self):
        """The compiler's first error line when the slot did not build, else None."""
        if self.library.exists() and self.shared_object.exists():
            return None
        log = self.path / "compile.log"
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        return first_error(lines) or "the slot was not built (run `make test`, which builds it)"

    def interfaces(self):
        """Which optional interfaces (SPEC 3.2) the built slot defines."""
        if not self.shared_object.exists():
            return set()
        out = subprocess.run(
            ["nm", "-D", "--defined-only", str(self.shared_object)],
            capture_output=True, text=True, check=False,
        ).stdout
        symbols = {line.split()[-1] for line in out.splitlines() if line.strip()}
        return {name for name, needed in INTERFACES.items() if all(s in symbols for s in needed)}

    def program(self, test, mode):
        """The test's executable for a mode: the static build links the slot's library."""
        return (self.path / "tests" / test.name) if mode == "static" else (self.build / "tests" / test.name)

    def build_log(self, test, mode):
        """The compiler's or linker's messages for a test program that was not built."""
        for log in (self.build / "tests" / f"{test.name}.log", self.program(test, mode).with_suffix(".log")):
            if log.exists() and log.read_text(errors="replace").strip():
                return log.read_text(errors="replace").strip().splitlines()[0]
        return self.make_message(test)

    def make_message(self, test):
        """What make said about a test program that left no log of its own (its preload build's
        link, a missing prerequisite): the most telling line of build.log that names it."""
        log = self.path / "build.log"
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        return first_error([line for line in lines if test.name in line])


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
