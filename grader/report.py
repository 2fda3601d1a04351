"""What a person and a course platform read: failure details, the table, results.json."""

import json
import re

from grader import verdict as V

# The key of the row each pytest item (a test, a trace) leaves in its report's user_properties:
# the report is made of these rows.
PROPERTY = "heaplab"
COLUMN = 48  # the widest the expected column gets; the actual column, last, is never cut
CONTEXT = 12  # lines shown before and after the first difference
LONGEST = 2000  # an output line beyond this (a flood on one line) is cut, saying by how much
FIRST = 5  # lines shown from the start of an output the runner cut
CUT = re.compile(r"\[\.\.\. \d+ bytes cut \.\.\.\]")  # the line where the runner cut it
# Verdicts that need no debugging: summarized in one block, by reason, not one block per test.
# A row with a `summary` (a test not run: verdict.Verdict.summary) joins the block of that title.
SUMMARIZED = {V.MISSING_INTERFACE: "MISSING INTERFACES", V.NOT_BUILT: "NOT BUILT"}


def summary_of(row):
    """The title of the block that lists the row with others, or None when it has one of its own."""
    return row.get("summary") or SUMMARIZED.get(row["verdict"])


def _cell(text):
    """An output line as shown: whole, up to a flood."""
    text = text.replace("\t", "    ")
    return text if len(text) <= LONGEST else f"{text[:LONGEST]}... ({len(text) - LONGEST} more characters)"


def _clip(text, width):
    text = text.replace("\t", "    ")
    return text if len(text) <= width else text[: width - 1] + "~"


def side_by_side(expected, output, mismatch):
    """Expected and actual output in two columns, `>` on the first differing line."""
    left = [e.text for e in expected]
    first = mismatch.output_index if mismatch else 0
    row_of_expected = expected.index(mismatch.expected) if mismatch and mismatch.expected else len(left)
    # Align the two columns on the first difference: it is the row a reader looks for.
    shift = first - row_of_expected
    left = [""] * max(shift, 0) + left
    right = [""] * max(-shift, 0) + list(output)
    marked = max(first, row_of_expected)
    rows = range(max(0, marked - CONTEXT), min(max(len(left), len(right)), marked + CONTEXT + 1))
    # As wide as the expected lines shown need, up to COLUMN: the first difference line above
    # gives the expected line whole.
    shown = [left[r].replace("\t", "    ") for r in rows if r < len(left)]
    width = min(max([len("expected"), *map(len, shown)]), COLUMN)
    lines = [f"  {'expected':<{width}} | actual"]
    if rows and rows[0] > 0:
        lines.append(f"  {'...':<{width}} | ...")
    for r in rows:
        a = _clip(left[r], width) if r < len(left) else ""
        b = _cell(right[r]) if r < len(right) else ""
        lines.append(f"{'>' if r == marked else ' '} {a:<{width}} | {b}".rstrip())
    if rows and rows[-1] + 1 < max(len(left), len(right)):
        lines.append(f"  {'...':<{width}} | ...")
    return lines


def first_difference(mismatch, output):
    if mismatch.expected is None:
        return f"unexpected output at line {mismatch.output_index + 1}: {output[mismatch.output_index]!r}"
    got = repr(output[mismatch.output_index]) if mismatch.output_index < len(output) else "end of output"
    return (
        f"expected line {mismatch.expected.line} of the test, {mismatch.expected.text!r}; "
        f"got output line {mismatch.output_index + 1}: {got}"
    )


def output_ends(result):
    """The last lines of a test's output; of an output the runner cut (harness/runner.c keeps its
    start and its end), its first lines too, and how long it was."""
    output = V.output_lines(result["output"])
    cut = next((i for i, line in enumerate(output) if CUT.fullmatch(line)), None) if result.get("output_truncated") else None
    if cut is None:
        return ["  last lines of output:", *[f"    {_cell(line)}" for line in output[-CONTEXT:]]]
    return [
        f"  first lines of output ({result['output_bytes']:,} bytes in all):",
        *[f"    {_cell(line)}" for line in output[: min(cut, FIRST)]],
        "    ...",
        "  last lines of output:",
        *[f"    {_cell(line)}" for line in output[cut + 1 :][-CONTEXT:]],
    ]


def failure(test, mode, result, judged, rerun, alone):
    """The text shown for one failing test."""
    lines = [f"{test.name} [{mode}]: {judged.verdict}: {judged.message}"]
    if result is not None and result["status"] in ("exited", "signaled"):
        lines.append(f"  status: {V.describe_exit(result)}, {result['wall_time']:.2f} s")
    lines += [f"  {line}" for line in judged.details]
    if judged.mismatch is not None:
        output = V.output_lines(result["output"])
        lines.append("  first difference: " + first_difference(judged.mismatch, output))
        lines += side_by_side(test.expected, output, judged.mismatch)
    elif result is not None and result.get("output") and not judged.verdict == V.NOT_BUILT:
        lines += output_ends(result)
    lines.append(f"  rerun: {rerun}")
    lines.append(f"  alone: {alone}")
    return "\n".join(lines)


def in_order(row):
    """The sort key of a row: the numbered tests in their order, then the performance category's
    traces (numbered P1, P2, ...: grader/perf_items.py)."""
    number = row["number"]
    return (0, number) if isinstance(number, int) else (1, int(number[1:]))


def table(rows):
    """rows: dicts with number, name, category, verdict, points, max_points, time."""
    name_width = min(max([len(r["name"]) for r in rows] + [4]), 40)
    head = f"{'test':>4}  {'name':<{name_width}}  {'category':<13}  {'verdict':<17}  {'points':>9}  {'time':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        points = f"{round(r['points'], 2):g}/{round(r['max_points'], 2):g}"
        time = f"{r['time']:.2f}s" if r["time"] is not None else "-"
        lines.append(
            f"{r['number']:>4}  {r['name'][:name_width]:<{name_width}}  {r['category']:<13}  "
            f"{r['verdict']:<17}  {points:>9}  {time:>7}"
        )
    return lines


def score(rows):
    """(points scored, points possible); rounded, since a rubric's category points are shared
    among its tests in fractions that must add back up to whole points."""
    return _tidy(sum(r["points"] for r in rows)), _tidy(sum(r["max_points"] for r in rows))


def _tidy(points):
    """Points as a platform shows them: 20, not 20.000000000000004 nor 20.0."""
    points = round(points, 6)
    return int(points) if points == int(points) else points


def withheld(row):
    """All that is shown of a hidden test that failed: its verdict, none of what it expects."""
    return f"{row['name']}: failed ({row['verdict']}); a hidden test: its expected output and details are not shown"


def score_line(rows):
    """`score: 170/176`, saying how many tests are malformed: their points count in the maximum."""
    got, total = score(rows)
    bad = sum(r["verdict"] == V.BAD_TESTCASE for r in rows)
    note = f" ({_count(bad, 'malformed test')}: see above)" if bad else ""
    return f"score: {got:g}/{total:g}{note}"


def _count(n, noun):
    return f"{n:g} {noun}{'' if n == 1 else 's'}"


def numbers(tests):
    """`9-12, 45, 52-99`: test numbers, runs of consecutive ones as ranges; the traces' (P1, P2)
    after them, one by one."""
    tests = list(tests)
    runs = []
    for n in sorted(t for t in tests if isinstance(t, int)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    traces = sorted((t for t in tests if not isinstance(t, int)), key=lambda t: int(t[1:]))
    return ", ".join([*(f"{a}" if a == b else f"{a}-{b}" for a, b in runs), *traces])


def summaries(rows):
    """One block per title of SUMMARIZED, then per other summary: its tests grouped by reason
    (the interface or the function missing, the first build error, why it was not run), each
    group's tests and points."""
    lines = []
    titles = dict.fromkeys([*SUMMARIZED.values(), *(r["summary"] for r in rows if r.get("summary"))])
    for title in titles:
        group = [r for r in rows if summary_of(r) == title]
        if not group:
            continue
        lost = sum(r["max_points"] for r in group)
        lines.append(f"{title}: {_count(len(group), 'test')}, {_count(lost, 'point')}")
        reasons = {}
        for r in group:
            reasons.setdefault(r.get("reason", r["verdict"]), []).append(r)
        for reason, tests in reasons.items():
            points = sum(r["max_points"] for r in tests)
            which = f"test{'s' if len(tests) > 1 else ''} {numbers(r['number'] for r in tests)}"
            lines.append(f"  {reason}: {which} ({_count(points, 'point')})")
    return lines


def gradescope(rows, header_lines, details):
    """results.json in Gradescope's schema; `details` maps a test name to its failure text."""
    return {
        "score": score(rows)[0],
        "output": "\n".join(header_lines + summaries(rows) + [score_line(rows)]),
        "tests": [
            {
                "name": r["name"],
                "number": str(r["number"]),
                "score": r["points"],
                "max_score": r["max_points"],
                "status": "passed" if r["verdict"] == V.PASSED else "failed",
                "output": details.get(r["name"], r.get("message") or r["verdict"]),
                "visibility": r.get("visibility", "visible"),
                "tags": [r["category"]],
            }
            for r in rows
        ],
    }


def summary(rows, header_lines, total, not_built):
    """summary.json: the run as a program reads it (make grade-all's gradebook), one row per test
    with its verdict and category, which results.json gives only as text."""
    got, most = score(rows)
    return {
        "score": got, "max_score": most, "tests_run": len(rows), "tests_total": total, "not_built": not_built,
        "header": header_lines,
        "tests": [{k: r[k] for k in ("number", "name", "category", "verdict", "points", "max_points", "time")}
                  for r in rows],
    }


def write_json(path, data):
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
