"""The reference allocator's tunables, as its header comment advertises them:
HEAPLAB_MMAP_THRESHOLD moves where blocks get mappings of their own, for malloc and for
realloc (seen in /proc/self/maps and in malloc_stats), and a SMALL_MAX the size classes cannot
serve stops the build with a message that says so."""

import subprocess

import pytest

from grader.tests.make_test import ROOT, linked_with_reference


@pytest.fixture(scope="module")
def program():
    return linked_with_reference("where_blocks_live.c")


def where(program, *requests, threshold=None):
    """{request: "heap" or "mapping"}, and malloc_stats' threshold line, under the variable."""
    env = {"PATH": "/usr/bin:/bin"}
    if threshold is not None:
        env["HEAPLAB_MMAP_THRESHOLD"] = threshold
    done = subprocess.run([str(program), *requests, "stats"], env=env, capture_output=True, text=True,
                          timeout=30, check=True)
    places = dict(line.split() for line in done.stdout.splitlines())
    stats = [line for line in done.stderr.splitlines() if "mmap threshold" in line]
    return places, stats[0].rsplit(" ", 1)[1]


def test_default_threshold(program):
    places, threshold = where(program, "16384", "65536", "200000", "r100000")
    assert places == {"16384": "heap", "65536": "heap", "200000": "mapping", "r100000": "mapping"}
    assert threshold == "131072"


def test_lower_threshold_maps_a_64_kib_block(program):
    places, threshold = where(program, "16384", "65536", threshold="32768")
    assert places == {"16384": "heap", "65536": "mapping"}
    assert threshold == "32768"


def test_higher_threshold_keeps_malloc_and_realloc_in_the_heap(program):
    places, threshold = where(program, "65536", "200000", "r100000", threshold="1048576")
    assert places == {"65536": "heap", "200000": "heap", "r100000": "heap"}
    assert threshold == "1048576"


def test_a_value_that_is_not_a_number_keeps_the_defaults(program):
    assert where(program, "65536", "200000", "r100000", threshold="64k") == where(program, "65536", "200000",
                                                                                   "r100000")


@pytest.mark.parametrize("small_max, message", [
    ("4096", "SMALL_MAX above 2048"),
    ("1000", "SMALL_MAX not a multiple of 16"),
])
def test_small_max_the_classes_cannot_serve_stops_the_build(small_max, message):
    done = subprocess.run(["gcc", "-std=gnu11", "-Ialloc", f"-DSMALL_MAX={small_max}", "-fsyntax-only",
                           "alloc/alloc.c"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode != 0 and message in done.stderr, done.stderr


def test_small_max_within_the_classes_builds():
    subprocess.run(["gcc", "-std=gnu11", "-Ialloc", "-DSMALL_MAX=1024", "-fsyntax-only", "alloc/alloc.c"],
                   cwd=ROOT, check=True)
