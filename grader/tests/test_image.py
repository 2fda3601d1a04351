"""The grader image (Dockerfile, grader/grade-submission): built from this tree, it grades a
submission mounted at /submission or in Gradescope's /autograder layout, without network, and
writes results.json, in Gradescope's format, where the caller looks. Runs where Docker or podman works (`make image`
builds the image the same way); elsewhere it is skipped, saying so."""

import json
import shutil
import subprocess

import pytest

from grader.tests.gradescope_format import check_gradescope
from grader.tests.make_test import ROOT, ZOO

TAG = "heaplab-selftest"

# One worker builds the image and runs them all (make check runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("image")


def engine_available():
    for tool in ("docker", "podman"):
        if shutil.which(tool) and subprocess.run([tool, "info"], capture_output=True).returncode == 0:
            return True
    return False


@pytest.fixture(scope="module")
def engine():
    """The command that runs the freshly built image, e.g. ["podman", "--runtime", "runc"]."""
    if not engine_available():
        pytest.skip("no container engine here (neither `docker info` nor `podman info` works)")
    built = subprocess.run([ROOT / "grader" / "build-image", TAG], capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return built.stdout.strip().splitlines()[-1].removeprefix("engine: ").split()


def run_image(engine, *mounts, env=None):
    args = [*engine, "run", "--rm", "--network", "none"]
    for host, inside in mounts:
        args += ["-v", f"{host}:{inside}"]
    for key, value in (env or {}).items():
        args += ["-e", f"{key}={value}"]
    return subprocess.run([*args, TAG], capture_output=True, text=True, timeout=900)


def test_the_image_grades_the_reference_at_full_marks(engine, scratch):
    """The reference is alloc.c with its debugging layer dmalloc.c beside it, as in alloc/."""
    ran = run_image(engine, (ROOT / "alloc" / "alloc.c", "/submission/alloc.c:ro"),
                    (ROOT / "alloc" / "dmalloc.c", "/submission/dmalloc.c:ro"), (scratch, "/results"))
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-2000:]
    results = json.loads((scratch / "results.json").read_text())
    check_gradescope(results)
    total = sum(t["max_score"] for t in results["tests"])
    assert results["score"] == total > 0
    assert "RUBRIC full" in results["output"]
    assert (scratch / "junit.xml").exists()


def test_the_image_finds_a_dmalloc_only_submission(engine, scratch):
    (scratch / "submission").mkdir()
    (scratch / "results").mkdir()
    shutil.copy(ROOT / "grader" / "tests" / "dmalloc_only" / "dmalloc.cc", scratch / "submission")
    ran = run_image(engine, (scratch, "/autograder"), env={"RUBRIC": "dmalloc"})
    results = json.loads((scratch / "results" / "results.json").read_text())
    check_gradescope(results)
    status = {int(t["number"]): t["status"] for t in results["tests"]}
    assert status.get(52) == status.get(53) == "passed", ran.stdout[-3000:] + ran.stderr[-2000:]
    assert 1 not in status and "RUBRIC dmalloc" in results["output"]


def test_the_image_reads_gradescopes_layout_and_reports_what_does_not_compile(engine, scratch):
    (scratch / "submission").mkdir()
    (scratch / "results").mkdir()
    shutil.copy(ZOO / "does_not_compile.c", scratch / "submission" / "alloc.c")
    ran = run_image(engine, (scratch, "/autograder"))
    assert ran.returncode != 0
    results = json.loads((scratch / "results" / "results.json").read_text())
    assert results["score"] == 0
    assert "NOT BUILT" in results["output"] and "error" in results["output"]
    assert results["tests"] and all(t["status"] == "failed" for t in results["tests"])


def test_the_image_without_a_submission_says_so(engine, scratch):
    ran = run_image(engine, (scratch, "/results"))
    assert ran.returncode == 2
    assert "no submission" in ran.stderr
    assert json.loads((scratch / "results.json").read_text())["score"] == 0
