"""What a person and a course platform read: failure details, the table, results.json."""

import json

from grader import verdict as V

COLUMN = 48
CONTEXT = 12  # lines shown before and after the first difference


def _cell(text):
    text = text.replace("\t", "    ")
    return text if len(text) <= COLUMN else text[: COLUMN - 1] + "~"


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
    lines = [f"  {'expected':<{COLUMN}} | actual"]
    if rows and rows[0] > 0:
        lines.append(f"  {'...':<{COLUMN}} | ...")
    for r in rows:
        a = _cell(left[r]) if r < len(left) else ""
        b = _cell(right[r]) if r < len(right) else ""
        lines.append(f"{'>' if r == marked else ' '} {a:<{COLUMN}} | {b}")
    if rows and rows[-1] + 1 < max(len(left), len(right)):
        lines.append(f"  {'...':<{COLUMN}} | ...")
    return lines


def first_difference(mismatch, output):
    if mismatch.expected is None:
        return f"unexpected output at line {mismatch.output_index + 1}: {output[mismatch.output_index]!r}"
    got = repr(output[mismatch.output_index]) if mismatch.output_index < len(output) else "end of output"
    return (
        f"expected line {mismatch.expected.line} of the test, {mismatch.expected.text!r}; "
        f"got output line {mismatch.output_index + 1}: {got}"
    )


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
        tail = V.output_lines(result["output"])[-CONTEXT:]
        lines.append("  last lines of output:")
        lines += [f"    {_cell(line)}" for line in tail]
    lines.append(f"  rerun: {rerun}")
    lines.append(f"  alone: {alone}")
    return "\n".join(lines)


def table(rows):
    """rows: dicts with number, name, category, verdict, points, max_points, time."""
    name_width = min(max([len(r["name"]) for r in rows] + [4]), 40)
    head = f"{'test':>4}  {'name':<{name_width}}  {'category':<13}  {'verdict':<17}  {'points':>9}  {'time':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        points = f"{r['points']:g}/{r['max_points']:g}"
        time = f"{r['time']:.2f}s" if r["time"] is not None else "-"
        lines.append(
            f"{r['number']:>4}  {r['name'][:name_width]:<{name_width}}  {r['category']:<13}  "
            f"{r['verdict']:<17}  {points:>9}  {time:>7}"
        )
    return lines


def score(rows):
    return sum(r["points"] for r in rows), sum(r["max_points"] for r in rows)


def gradescope(rows, header_lines, details):
    """results.json in Gradescope's schema; `details` maps a test name to its failure text."""
    got, total = score(rows)
    return {
        "score": got,
        "output": "\n".join(header_lines + [f"score: {got:g}/{total:g}"]),
        "tests": [
            {
                "name": r["name"],
                "number": str(r["number"]),
                "score": r["points"],
                "max_score": r["max_points"],
                "status": "passed" if r["verdict"] == V.PASSED else "failed",
                "output": details.get(r["name"], r["verdict"]),
                "visibility": "visible",
                "tags": [r["category"]],
            }
            for r in rows
        ],
    }


def write_json(path, data):
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
