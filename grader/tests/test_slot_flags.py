"""The slot's compiler flags leave a correct allocator as its author wrote it: the zoo member
whose calloc is malloc plus memset still calls malloc, not calloc, under gcc and clang, built
for the static library and for alloc.so."""

import re
import shutil
import subprocess

import pytest

from grader.tests.make_test import ROOT, ZOO

MEMBER = ZOO / "calloc_by_malloc_memset.c"
NO_BUILTIN = re.compile(r"-fno-builtin-\w+")


def slot_cflags():
    done = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval=print-slot-cflags: ; @echo $(SLOT_CFLAGS)", "print-slot-cflags"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return done.stdout.split()


def calls_in(obj, function):
    """The functions that `function` in the object file calls or jumps to, by relocation."""
    listing = subprocess.run(
        ["objdump", "-dr", "--no-show-raw-insn", str(obj)], capture_output=True, text=True, check=True,
    ).stdout
    body = re.search(rf"^[0-9a-f]+ <{function}>:\n(.*?)(?:\n\n|\Z)", listing, re.M | re.S)
    assert body, f"no {function} in {obj}"
    return set(re.findall(r"R_X86_64_\w+\s+([\w.@$]+?)(?:[-+]0x[0-9a-f]+)?$", body.group(1), re.M))


def compile_member(compiler, flags, pic, scratch):
    obj = scratch / f"{compiler}{pic}.o"
    subprocess.run([compiler, *flags, *([pic] if pic else []), "-c", "-o", str(obj), str(MEMBER)],
                   cwd=ROOT, check=True)
    return obj


@pytest.fixture(autouse=True)
def x86_64_only():
    machine = subprocess.run(["uname", "-m"], capture_output=True, text=True, check=True).stdout.strip()
    if machine != "x86_64":
        pytest.skip("the relocations read here are x86-64's")


@pytest.mark.parametrize("pic", ["", "-fPIC"], ids=["static", "shared"])
@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_calloc_written_as_malloc_and_memset_calls_malloc(compiler, pic, scratch):
    if shutil.which(compiler) is None:
        pytest.skip(f"{compiler} is not installed")
    calls = calls_in(compile_member(compiler, slot_cflags(), pic, scratch), "calloc")
    assert "calloc" not in calls, f"{compiler} {pic}: calloc calls itself"
    assert calls & {"malloc", "ref_malloc"} and "memset" in calls, calls


def test_without_the_flags_gcc_makes_calloc_call_itself(scratch):
    """The check above can fail: the flags are what keeps gcc from folding the pair."""
    flags = [f for f in slot_cflags() if not NO_BUILTIN.fullmatch(f)]
    assert "calloc" in calls_in(compile_member("gcc", flags, "-fPIC", scratch), "calloc")
