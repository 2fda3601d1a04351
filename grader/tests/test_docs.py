"""The repository stands alone: its comments cite its own documents, never a file outside it,
and every document a comment or a link names exists."""

import re
import subprocess

from grader.tests.make_test import ROOT

SOURCES = ("*.c", "*.h", "*.cc", "*.hh", "*.py", "Makefile", "*.md")
OUTSIDE = re.compile(r"\bSPEC\b|SPEC\.md|\.\./shared")
DOC = re.compile(r"docs/[\w./-]+\.md")
LINK = re.compile(r"\]\(([^)#]+\.md)\)")


def tracked(*patterns):
    files = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / f for f in files.stdout.split() if (ROOT / f).is_file()]


def test_no_source_cites_a_document_outside_the_repository():
    cited = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
             for p in tracked(*SOURCES) if p.parent.name != "docs" and p.name != "test_docs.py"
             for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1) if OUTSIDE.search(line)]
    assert cited == []


def test_every_document_named_exists():
    named = {(p, m) for p in tracked(*SOURCES) for m in DOC.findall(p.read_text(errors="replace"))}
    linked = {(p, m) for p in tracked("*.md") for m in LINK.findall(p.read_text(errors="replace"))
              if "://" not in m}
    missing = [f"{p.relative_to(ROOT)}: {m}" for p, m in named if not (ROOT / m).is_file()]
    missing += [f"{p.relative_to(ROOT)}: {m}" for p, m in linked if not (p.parent / m).resolve().is_file()]
    assert sorted(missing) == []


def test_the_docs_cover_every_verdict_and_result_key():
    from grader import verdict as V

    results = (ROOT / "docs" / "results.md").read_text()
    assert [v for v in V.VERDICTS if f"`{v}`" not in results] == []
    out = subprocess.run([str(ROOT / "build" / "harness" / "runner"), "--", "true"], capture_output=True, text=True,
                         check=True).stdout
    keys = re.findall(r'"(\w+)": ', out)
    assert keys and [k for k in keys if f"`{k}`" not in results] == []
