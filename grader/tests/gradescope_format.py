"""Gradescope's results.json format, checked: shared by the tests of the reports
(test_formats.py) and of the image (test_image.py)."""

import pytest

# Gradescope's autograder specification (gradescope-autograders.readthedocs.io, "Autograder
# Specifications", Output format): the keys of results.json and of each test, and their values.
GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
                  "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                   "tags", "visibility", "extra_data"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
STATUS = {"passed", "failed"}


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_gradescope(results):
    """Every key documented, every value of the documented type; the score is the tests' sum."""
    assert set(results) <= GRADESCOPE_TOP, set(results) - GRADESCOPE_TOP
    assert is_number(results["score"]) and isinstance(results["output"], str)
    assert isinstance(results["tests"], list) and results["tests"]
    for test in results["tests"]:
        assert set(test) <= GRADESCOPE_TEST, set(test) - GRADESCOPE_TEST
        assert isinstance(test["name"], str) and isinstance(test["number"], str) and isinstance(test["output"], str)
        assert is_number(test["score"]) and is_number(test["max_score"]) and 0 <= test["score"] <= test["max_score"]
        assert test["status"] in STATUS and test["visibility"] in VISIBILITY
        assert (test["status"] == "passed") == (test["score"] == test["max_score"])
        assert isinstance(test["tags"], list) and all(isinstance(t, str) for t in test["tags"])
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))
