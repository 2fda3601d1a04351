"""The benchmark drivers, `make bench` (run_bench.py) and `make bench-public` (public_suite.py):
what they refuse, and the public suite's table on stand-in programs whose times are known."""

import os
import subprocess
import sys

import pytest

from grader.tests.make_test import ROOT

BENCH = ROOT / "harness" / "bench"
JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"


def script(name, *args):
    return subprocess.run([sys.executable, str(BENCH / name), *map(str, args)], capture_output=True, text=True,
                          timeout=120, check=False)


def test_public_suite_without_a_build_says_how_to_get_one_and_exits_2(tmp_path):
    done = script("public_suite.py", JEMALLOC, tmp_path / "nowhere")
    assert done.returncode == 2
    assert f"{tmp_path / 'nowhere'} does not exist" in done.stderr
    assert "git clone https://github.com/daanx/mimalloc-bench" in done.stderr
    assert done.stdout == ""


def test_public_suite_names_the_programs_a_build_lacks(tmp_path):
    (tmp_path / "CMakeCache.txt").write_text(f"CMAKE_HOME_DIRECTORY:INTERNAL={tmp_path}\n")
    (tmp_path / "cfrac").write_text("#!/bin/sh\n")
    (tmp_path / "cfrac").chmod(0o755)
    done = script("public_suite.py", JEMALLOC, tmp_path, "--only", "cfrac,rptest")
    assert done.returncode == 2
    assert f"{tmp_path} lacks the programs rptest." in done.stderr


def test_public_suite_refuses_a_program_it_does_not_know(tmp_path):
    done = script("public_suite.py", JEMALLOC, tmp_path, "--only", "cfrac,gs")
    assert done.returncode == 2
    assert "no program gs;" in done.stderr


def test_run_bench_refuses_a_workload_it_does_not_know():
    done = script("run_bench.py", JEMALLOC, "/bin/true", "--only", "larson,nosuch")
    assert done.returncode == 2
    assert "no workload nosuch;" in done.stderr


# Stand-ins for rptest and larson: each reports a throughput or a time by the allocator it runs
# under (the slot is a link named slot.so), so every ratio in the table is known.
STAND_INS = {
    "rptest": 'case "$LD_PRELOAD" in *slot.so) n=4000000;; "") n=2000000;; *) n=1000000;; esac\n'
              'echo "crt 2 threads ...$n memory ops/CPU second"\n',
    "larson": 'case "$LD_PRELOAD" in *slot.so) t=3.0;; "") t=2.0;; *) t=1.0;; esac\n'
              'echo "Throughput = 1 operations per second, relative time: ${t}s."\n',
}


@pytest.mark.skipif(not os.path.exists("/usr/bin/time") or not os.path.exists(JEMALLOC),
                    reason="needs /usr/bin/time and jemalloc (make deps)")
def test_public_suite_prints_each_allocators_ratio_to_glibc_and_the_targets_missed(tmp_path):
    (tmp_path / "CMakeCache.txt").write_text(f"CMAKE_HOME_DIRECTORY:INTERNAL={tmp_path}\n")
    for name, body in STAND_INS.items():
        (tmp_path / name).write_text("#!/bin/sh\n" + body)
        (tmp_path / name).chmod(0o755)
    (tmp_path / "slot.so").symlink_to(JEMALLOC)
    done = script("public_suite.py", tmp_path / "slot.so", tmp_path, "--only", "larson,rptest", "--reps", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    others = len(lines[0].split("|")) - 6  # allocators installed besides the slot and glibc
    assert lines[0].startswith("| program | glibc s | slot | jemalloc |")
    assert lines[2].startswith("| larson | 2.00 | 1.50 |" + " 0.50 |" * others)
    assert lines[3].startswith("| rptest | 1.00 | 0.50 |" + " 2.00 |" * others)
    assert lines[4].startswith("| geometric mean (2) | | 0.87 |" + " 1.00 |" * others)
    assert lines[-1].startswith("targets missed: larson time 1.50x glibc")
