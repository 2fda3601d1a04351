"""The tracker as an oracle of a debugging layer's statistics (docs/tracker.md, "Statistics"): it
counts the layer's calls itself and holds dmalloc_get_statistics to those counts, in both builds;
a layer right in the fields and at the moments its tests check loses, with both numbers named,
and correct layers lose nothing where the contract leaves a field open."""

import json
import subprocess

from grader.tests.make_test import DMALLOC_ONLY, ROOT, grade, write_testcase

PROGS = ROOT / "grader" / "tests" / "tracker_progs"
TRACKER = ROOT / "build" / "harness" / "tracker.so"
ROUNDED = "grader/tests/zoo/dm_calloc_active_rounded.c"


def test_a_layer_right_where_its_tests_look_loses_to_the_tracker(scratch):
    """active_size creeps up with each calloc, which test 058 never reads: it passes on its own
    checks and loses under the tracker, which compared every field at its dmalloc_get_statistics."""
    alone = grade(ROUNDED, slot=scratch / "alone", tests="57,58", rubric="full", tracker=0)
    assert set(alone.verdicts) == {57, 58} and alone.lost == set(), alone.stdout[-3000:]
    graded = grade(ROUNDED, slot=scratch / "slot", tests="57,58", rubric="full")
    assert graded.lost == {58}, graded.stdout[-3000:]
    assert graded.verdicts[58] == (
        "058-dm-stats-calloc-dirty [static]: tracker: the tracker saw 1 violation: dmalloc_get_statistics: "
        "active_size 13376, the tracker counted 0 bytes in live blocks (dmalloc_malloc 2000, dmalloc_free 4000, "
        "dmalloc_calloc 2000) (called from main (058-dm-stats-calloc-dirty.c:38), pid 2)")


OPEN_CASES = {
    # What every layer has: zero-byte blocks, a calloc that overflows, huge requests whose sizes
    # pass 2^64 - 1 when added up, a calloc built on the layer's own malloc (the CS61 layer's).
    "001-open-without-realloc.c": """#include "dmalloc.h"
#include <stdint.h>
#include <stdio.h>
int main(void) {
    void *zero = malloc(0), *none = calloc(0, 8), *keep = calloc(3, 4);
    volatile size_t big = SIZE_MAX / 3;
    void *fail1 = calloc(big, 5), *fail2 = malloc(big * 2), *fail3 = malloc(big * 2);
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    free(zero);
    free(none);
    dmalloc_print_statistics();
    free(keep);
    dmalloc_get_statistics(&st);
    printf("%d %d %d %llu\\n", fail1 == NULL, fail2 == NULL, fail3 == NULL, st.nactive);
    return 0;
}
//! alloc count: active ??{\\s*\\d+}??   total ??{\\s*\\d+}??   fail ??{\\s*\\d+}??
//! alloc size:  active ??{\\s*\\d+}??   total ??{\\s*\\d+}??   fail ??{\\s*\\d+}??
//! 1 1 1 0
""",
    # realloc(p, 0), realloc(NULL, n), a realloc that fails and one that moves.
    "002-open-realloc.c": """#include "dmalloc.h"
#include <stdio.h>
int main(void) {
    char *p = malloc(40), *q = realloc(NULL, 24);
    volatile size_t huge = (size_t)1 << 60;
    char *failed = realloc(q, huge);
    q = realloc(q, 5000);
    char *gone = realloc(p, 0);
    dmalloc_statistics st;
    dmalloc_get_statistics(&st);
    free(gone);
    free(q);
    printf("%d %d\\n", failed == NULL, st.ntotal >= 3);
    return 0;
}
//! 1 1
""",
}


def test_correct_layers_lose_nothing_where_the_contract_is_open(scratch):
    cases = scratch / "testcases"
    for name, body in OPEN_CASES.items():
        write_testcase(cases, name, body, category="statistics", needs="dmalloc", timeout=5)
    reference = grade(slot=scratch / "reference", testcases=cases, build=scratch / "build", rubric="full")
    assert reference.verdicts == {1: "passed", 2: "passed"}, reference.stdout[-3000:]
    layer = grade(DMALLOC_ONLY, slot=scratch / "layer", testcases=cases, build=scratch / "build", rubric="full")
    assert layer.verdicts[1] == "passed", layer.stdout[-3000:]
    assert "missing-interface: needs dmalloc_realloc," in layer.verdicts[2]


def test_the_preload_build_compares_too(scratch):
    """A program that finds the layer at run time calls the tracker's definitions in tracker.so:
    the CS61 layer's calloc, made of its own dmalloc_malloc (called through the PLT, so through
    the tracker), counts once; a layer that counts one allocation too many is named."""
    subprocess.run(["make", "-s", "--no-print-directory", "harness"], cwd=ROOT, check=True, capture_output=True)
    program = scratch / "dmalloc_calls"
    subprocess.run(["gcc", "-std=gnu11", "-O0", "-g", "-o", program, PROGS / "dmalloc_calls.c", "-ldl"], check=True)
    seen = {}
    for alloc in ("alloc/alloc.c", DMALLOC_ONLY, "grader/tests/zoo/dm_stats_off_by_one.c"):
        slot = scratch / alloc.replace("/", "_")
        subprocess.run(["make", "-s", "--no-print-directory", "slot", f"ALLOC={alloc}", f"SLOT={slot}"], cwd=ROOT,
                       check=True, capture_output=True)
        records = slot / "records.jsonl"
        done = subprocess.run([program], capture_output=True, text=True, timeout=30, check=False,
                              env={"LD_PRELOAD": f"{TRACKER}:{slot / 'alloc.so'}", "HEAPLAB_TRACKER_OUT": str(records)})
        kinds = [json.loads(line) for line in records.read_text().splitlines()]
        seen[alloc] = (done.returncode, done.stdout, [r["message"] for r in kinds if r["kind"] == "violation"])
    assert seen["alloc/alloc.c"] == (0, "1 12 2 22\n", [])
    assert seen[DMALLOC_ONLY] == (0, "1 12 2 22\n", [])
    assert seen["grader/tests/zoo/dm_stats_off_by_one.c"] == (0, "1 12 3 22\n", [
        "dmalloc_get_statistics: ntotal 3, the tracker counted 2 successful allocations "
        "(dmalloc_malloc 1, dmalloc_free 1, dmalloc_calloc 1)"])
