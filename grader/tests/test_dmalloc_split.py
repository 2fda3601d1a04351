"""The reference allocator and the reference debugging layer are two files, alloc/alloc.c and
alloc/dmalloc.c: a dmalloc.c beside the slot's file joins the slot, so a course hands out or holds
back either one, and deleting the layer grades the allocator alone."""

import subprocess

from grader.tests.make_test import ROOT, grade

ALLOC = ROOT / "alloc" / "alloc.c"
LAYER = ROOT / "alloc" / "dmalloc.c"
TESTS = "1,52,59,110"


def folder(scratch, name, files):
    """A submission folder in the scratch directory holding `files` ({name: text})."""
    path = scratch / name
    path.mkdir()
    for file, text in files.items():
        (path / file).write_text(text)
    return path


def test_the_pair_passes_the_dmalloc_tests_and_alone_the_allocator_misses_them(scratch):
    pair = folder(scratch, "pair", {"alloc.c": ALLOC.read_text(), "dmalloc.c": LAYER.read_text()})
    graded = grade(pair / "alloc.c", slot=scratch / "slot", tests=TESTS, jobs=2)
    assert set(graded.verdicts.values()) == {"passed"}, graded.stdout[-3000:]
    # Never silently: the report says whose layer the dmalloc tests graded.
    assert f"GRADED WITH {pair / 'dmalloc.c'}: the debugging layer beside" in graded.stdout

    (pair / "dmalloc.c").unlink()
    graded = grade(pair / "alloc.c", slot=scratch / "slot", tests=TESTS, jobs=2, rubric="full")
    assert "GRADED WITH" not in graded.stdout
    verdicts = graded.verdicts
    assert verdicts[1] == "passed", graded.stdout[-3000:]
    for number in (52, 59, 110):
        assert "missing-interface: needs dmalloc_" in verdicts[number], verdicts[number]


def test_a_layer_graded_alone_takes_no_allocator_from_beside_it(scratch):
    """ALLOC=dmalloc.c is the layer alone, whatever else its folder holds: only a layer beside an
    allocator joins it, not an allocator beside a layer."""
    alone = folder(scratch, "layer", {"dmalloc.c": LAYER.read_text(), "alloc.c": ALLOC.read_text()})
    graded = grade(alone / "dmalloc.c", slot=scratch / "slot", tests=TESTS, jobs=2, rubric="full")
    verdicts = graded.verdicts
    assert verdicts[52] == verdicts[59] == verdicts[110] == "passed", graded.stdout[-3000:]
    assert "missing-interface: needs malloc," in verdicts[1], verdicts[1]


def test_an_allocator_with_its_own_layer_is_graded_on_its_own(scratch):
    """A student's alloc.c with everything, copied over alloc/alloc.c, still has the reference's
    dmalloc.c beside it: the file's own layer is graded, and the two never meet in one link."""
    everything = ALLOC.read_text() + LAYER.read_text()
    both = folder(scratch, "both", {"alloc.c": everything, "dmalloc.c": LAYER.read_text()})
    graded = grade(both / "alloc.c", slot=scratch / "slot", tests=TESTS, jobs=2)
    assert set(graded.verdicts.values()) == {"passed"}, graded.stdout[-3000:] + graded.stderr[-2000:]
    assert "GRADED WITH" not in graded.stdout


def test_the_reference_layer_builds_on_base_malloc_alone(scratch):
    """alloc/dmalloc.c calls no malloc or free of its own: compiled alone, it needs only base_malloc,
    base_free and what libc offers besides the allocator."""
    obj = scratch / "dmalloc.o"
    subprocess.run(["cc", "-std=gnu11", "-O2", "-pthread", f"-I{ROOT / 'alloc'}", "-c", "-o", obj, LAYER], check=True)
    undefined = set(subprocess.run(["nm", "-u", obj], capture_output=True, text=True, check=True).stdout.split())
    assert {"base_malloc", "base_free"} <= undefined
    assert not {"malloc", "free", "calloc", "realloc"} & undefined
