"""A slot written in C++ (`make test ALLOC=x.cc`) is compiled as C++ and graded like any other."""

import subprocess

from grader.tests.make_test import ROOT, grade

CXX_SLOT = ROOT / "grader" / "tests" / "fixtures" / "mmap_alloc.cc"


def test_a_cxx_allocator_is_graded(scratch):
    graded = grade(CXX_SLOT.relative_to(ROOT), slot=scratch / "slot", tests="1-3")
    assert [t["number"] for t in graded.results["tests"]] == ["1", "2", "3"]
    assert graded.lost == set(), graded.stdout
    assert "score: 5/5" in graded.stdout
    # Compiled by the C++ compiler: its helpers have C++ names, its malloc the C name.
    symbols = subprocess.run(
        ["nm", "-C", str(scratch / "slot" / "liballoc.a")], capture_output=True, text=True, check=True,
    ).stdout
    assert "(anonymous namespace)::allocate(unsigned long)" in symbols
    assert " T malloc\n" in symbols and " T operator new(unsigned long)\n" in symbols
