"""The reference allocator's free checks, as its header comment lists them: each misuse in
fixtures/bad_frees.c aborts with one line naming the call, the pointer and what is wrong, and
correct frees (across threads, of blocks holding anything) pass; alloc_check_heap() finds a
write into a freed block. These are the reference's own
messages: the suite does not ask them of students' allocators."""

import re
import signal
import subprocess

import pytest

from grader.tests.make_test import linked_with_reference

NOT_IN_USE = "block not in use (double free or invalid pointer)"


@pytest.fixture(scope="module")
def program():
    return linked_with_reference("bad_frees.c")


def run(program, scenario):
    return subprocess.run([str(program), scenario], capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.parametrize("scenario, op, what", [
    ("small-twice", "free", NOT_IN_USE),
    ("small-twice-not-last", "free", NOT_IN_USE),
    ("medium-twice", "free", NOT_IN_USE),
    ("medium-twice-remote", "free", NOT_IN_USE),
    ("medium-realloc-freed", "realloc", NOT_IN_USE),
    ("remote-then-owner", "free", NOT_IN_USE),
    ("owner-then-remote", "free", NOT_IN_USE),
    ("remote-twice", "free", NOT_IN_USE),
    ("interior", "free", "invalid pointer (not a block of its span)"),
    ("never-allocated", "free", "invalid pointer (never allocated)"),
    ("never-allocated-remote", "free", "invalid pointer (never allocated)"),
    ("realloc-freed", "realloc", NOT_IN_USE),
    ("usable-size-freed", "malloc_usable_size", NOT_IN_USE),
])
def test_misuse_aborts_with_one_line(program, scenario, op, what):
    done = run(program, scenario)
    assert "survived" not in done.stdout, f"{scenario}: the allocator let it through"
    assert done.returncode == -signal.SIGABRT, (done.returncode, done.stderr)
    bad = re.search(r"^bad (0x[0-9a-f]+)$", done.stdout, re.M)
    assert bad, done.stdout
    assert done.stderr == f"heaplab alloc: {op}({bad.group(1)}): {what}\n"


def test_correct_frees_pass(program):
    done = run(program, "fine")
    assert (done.returncode, done.stderr) == (0, "")


def test_heap_check_finds_a_write_after_free(program):
    done = run(program, "write-after-free")
    assert (done.returncode, done.stdout) == (0, "alloc_check_heap 0\n")
    assert re.fullmatch(r"alloc_check_heap: span 0x[0-9a-f]+: free block 0x[0-9a-f]+ lost its key "
                        r"\(written after free\?\)\n", done.stderr), done.stderr
