import tempfile

import pytest

from grader.tests.make_test import ROOT


@pytest.fixture
def scratch():
    """A fresh directory inside the build tree. Not pytest's tmp_path: that is private to its
    owner, and test programs run as users of their own when the grader runs as root."""
    parent = ROOT / "build" / "selftest"
    parent.mkdir(parents=True, exist_ok=True)
    path = tempfile.mkdtemp(dir=parent)
    (parent / path).chmod(0o755)
    return parent / path
