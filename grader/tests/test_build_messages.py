"""The compiler's and the linker's messages reach the report, whichever build of the slot or of a
test program failed: a slot that fails only as the shared object, a test program whose link left
its messages in make's build.log alone."""

import pytest

from grader.tests.make_test import ROOT, grade, write_testcase

REFERENCE = f'#include "{ROOT}/alloc/alloc.c"\n'

# The reference plus a line that breaks only the shared object's build.
SHARED_ONLY = {
    # Compilers that build position-independent executables by default define __PIC__ for the
    # plain object too; __PIE__ tells the two apart.
    "compile": (
        "#if defined(__PIC__) && !defined(__PIE__)\n#error heaplab: this slot refuses -fPIC\n#endif\n",
        "this slot refuses -fPIC",
    ),
    # A thread-local variable in the local-exec model compiles under -fPIC, but no shared object
    # may hold the relocation it needs.
    "link": (
        'static __thread int tls_counter __attribute__((tls_model("local-exec")));\n'
        "int heaplab_tls_touch(void) { return tls_counter++; }\n",
        "can not be used when making a shared object",
    ),
}


@pytest.mark.parametrize("step", SHARED_ONLY)
def test_a_slot_that_fails_only_as_a_shared_object_says_why(scratch, step):
    lines, message = SHARED_ONLY[step]
    alloc = scratch / "alloc.c"
    alloc.write_text(REFERENCE + lines)
    graded = grade(alloc, slot=scratch / "slot", tests="1")
    assert (scratch / "slot" / "liballoc.a").exists()
    first = graded.results["output"].splitlines()[0]
    assert first.startswith(f"NOT BUILT: {alloc} does not compile")
    assert message in first
    heaplab_section = graded.stdout.split("= heaplab =")[-1]
    assert "building alloc.so (-fPIC, for LD_PRELOAD):" in heaplab_section


def test_a_test_program_whose_link_fails_names_the_symbol(scratch):
    cases = scratch / "testcases"
    write_testcase(cases, "001-fine.c", 'int main(void) { puts("ok"); return 0; }\n//! ok\n', mode="preload")
    write_testcase(
        cases, "002-unlinkable.c",
        "void heaplab_no_such_function(void);\nint main(void) { heaplab_no_such_function(); return 0; }\n",
        mode="preload",
    )
    graded = grade(slot=scratch / "slot", build=scratch / "build", testcases=cases)
    assert graded.lost == {2}
    assert "not-built" in graded.verdicts[2]
    assert "undefined reference to `heaplab_no_such_function'" in graded.verdicts[2]
