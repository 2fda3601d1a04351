import pytest

from grader.tests.make_test import scratch_dir


@pytest.fixture
def scratch():
    """A fresh directory inside the build tree (make_test.scratch_dir)."""
    return scratch_dir()
