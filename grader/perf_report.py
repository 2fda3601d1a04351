"""The performance category's pictures: for each trace, the live payload and the footprints of the
slot and of glibc's allocator over the requests, and one static HTML page holding the per-trace
table and the plots (docs/performance.md). A student sees at a glance where the footprint runs
away from the payload."""

import html
import importlib.util
from pathlib import Path


def available():
    """Whether the plots can be drawn: matplotlib is Debian's python3-matplotlib."""
    return importlib.util.find_spec("matplotlib") is not None


def read_series(path):
    """(requests, live payload, footprint) columns of a driver's series file, or None."""
    path = Path(path)
    if not path.exists():
        return None
    rows = [tuple(int(x) for x in line.split()) for line in path.read_text().splitlines() if line.strip()]
    return tuple(zip(*rows)) if rows else None


def plot(name, slot, libc, out):
    """One trace's plot as a PNG at `out`: the payload and the two footprints, in MiB."""
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    from matplotlib import pyplot

    mib = 1 << 20
    fig, ax = pyplot.subplots(figsize=(5.4, 3.2), dpi=100)  # two side by side in a 1200-pixel window
    if slot:
        ax.fill_between(slot[0], [v / mib for v in slot[1]], color="#9ecae1", label="live payload")
        ax.plot(slot[0], [v / mib for v in slot[2]], color="#d62728", label="slot footprint")
    if libc:
        ax.plot(libc[0], [v / mib for v in libc[2]], color="#555555", linestyle="--", label="glibc footprint")
    ax.set_title(name, pad=24)
    ax.set_xlabel("requests")
    ax.set_ylabel("MiB")
    ax.set_ylim(bottom=0)
    # Above the axes, between them and the title: inside, it would hide part of a curve.
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False, fontsize="small")
    fig.tight_layout()
    fig.savefig(out)
    pyplot.close(fig)


def write(rows, series_dir, outdir, index_line, mode):
    """The plots and report.html in outdir; the report's path."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    body = []
    for r in rows:
        slot = read_series(Path(series_dir) / "slot" / f"{r.trace}.series")
        libc = read_series(Path(series_dir) / "libc" / f"{r.trace}.series")
        image = f"{r.trace}.png"
        plot(r.trace, slot, libc, outdir / image)
        cells = [r.trace, str(r.ops), "-" if r.error else f"{r.util:.2f}",
                 "-" if r.libc_util is None else f"{r.libc_util:.2f}",
                 "-" if r.ratio is None else f"{r.ratio:.2f}", f"{r.points:.2f}/{r.max_points:g}"]
        body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        if r.error:
            body.append(f'<tr class="error"><td colspan="6">{html.escape(r.error)}</td></tr>')
    plots = "\n".join(
        f'<figure><img src="{html.escape(r.trace)}.png" alt="{html.escape(r.trace)}: payload and footprints"></figure>'
        for r in rows
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>heaplab: performance</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
td, th {{ padding: 0.2em 0.8em; text-align: right; border-bottom: 1px solid #ddd; }}
td:first-child, th:first-child {{ text-align: left; }}
tr.error td {{ color: #b00; text-align: left; }}
figure {{ display: inline-block; margin: 0.5em; }}
</style></head><body>
<h1>Performance</h1>
<p>Utilization: peak live payload over peak footprint. Throughput: glibc's {html.escape(mode)} over
the slot's on the same trace (above 1: faster than glibc). Points: 0.6 &times; utilization +
0.4 &times; min(1, throughput) by default.</p>
<table>
<tr><th>trace</th><th>ops</th><th>util</th><th>glibc util</th><th>thru</th><th>points</th></tr>
{chr(10).join(body)}
</table>
<p><strong>{html.escape(index_line)}</strong></p>
<h2>Payload and footprint over the requests</h2>
{plots}
</body></html>
"""
    report = outdir / "report.html"
    report.write_text(page)
    return report
