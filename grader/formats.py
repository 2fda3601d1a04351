"""The reports for course platforms other than Gradescope, chosen with `--format` (`FORMAT=`):

    autolab        the line Autolab reads, last on standard output: {"scores": {CATEGORY: points}}
    prairielearn   prairielearn.json in the results directory: PrairieLearn's results.json

Gradescope's results.json and the JUnit XML are always written. Each is built from the rows of
the final table, with a hidden test's failure text already withheld (grader.report.withheld).
"""

import json

from grader import report
from grader import testcase as tc
from grader import verdict as V

AUTOLAB = "autolab"
PRAIRIELEARN = "prairielearn"
EXTRA = (AUTOLAB, PRAIRIELEARN)
ALWAYS = ("gradescope", "junit")  # accepted in the list, and written whatever it says
PRAIRIELEARN_FILE = "prairielearn.json"


def parse(text):
    """`autolab,prairielearn` -> {"autolab", "prairielearn"}; ValueError naming an unknown one."""
    names = {n for n in text.replace(" ", ",").split(",") if n}
    for name in names:
        if name not in EXTRA + ALWAYS:
            raise ValueError(f"FORMAT={text}: unknown format {name!r}; known: {', '.join(EXTRA + ALWAYS)}")
    return names & set(EXTRA)


def autolab_scores(rows):
    """{category: points scored}, for every category with a test in play, in the suite's order
    (a malformed test, of no category, scores nothing)."""
    scores = {}
    for category in tc.CATEGORIES:
        in_category = [r for r in rows if r["category"] == category]
        if in_category:
            scores[category] = report.score(in_category)[0]
    return scores


def autolab_line(rows):
    return json.dumps({"scores": autolab_scores(rows)})


def prairielearn(rows, header_lines, details):
    """PrairieLearn's results.json: the score as a fraction of the maximum, one entry per test."""
    got, total = report.score(rows)
    return {
        "gradable": True,
        "score": round(got / total, 6) if total else 0,
        "message": report.score_line(rows),
        "output": "\n".join(header_lines + report.summaries(rows) + [report.score_line(rows)]),
        "tests": [
            {
                "name": r["name"],
                "description": r["category"],
                "points": r["points"],
                "max_points": r["max_points"],
                "message": "passed" if r["verdict"] == V.PASSED else r["verdict"],
                "output": details.get(r["name"], r.get("message") or r["verdict"]),
            }
            for r in rows
        ],
    }


def write(formats, results, rows, header_lines, details):
    """The files of the formats asked for, in the results directory (Autolab's is a line)."""
    if PRAIRIELEARN in formats:
        report.write_json(results / PRAIRIELEARN_FILE, prairielearn(rows, header_lines, details))
