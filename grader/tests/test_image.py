"""The grader image (Dockerfile, grader/grade-submission): built from this tree, it grades a
submission mounted at /submission or in Gradescope's /autograder layout, without network, and
writes results.json where the caller looks. Runs where Docker or podman works (`make image`
builds the image the same way); elsewhere it is skipped, saying so."""

import json
import shutil
import subprocess

import pytest

from grader.tests.make_test import ROOT, ZOO

TAG = "heaplab-selftest"

# One worker builds the image and runs all three (make check runs with --dist loadgroup).
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


def run_image(engine, *mounts):
    args = [*engine, "run", "--rm", "--network", "none"]
    for host, inside in mounts:
        args += ["-v", f"{host}:{inside}"]
    return subprocess.run([*args, TAG], capture_output=True, text=True, timeout=900)


def test_the_image_grades_the_reference_at_full_marks(engine, scratch):
    ran = run_image(engine, (ROOT / "alloc" / "alloc.c", "/submission/alloc.c:ro"), (scratch, "/results"))
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-2000:]
    results = json.loads((scratch / "results.json").read_text())
    total = sum(t["max_score"] for t in results["tests"])
    assert results["score"] == total > 0
    assert (scratch / "junit.xml").exists()


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
