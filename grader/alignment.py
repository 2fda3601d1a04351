"""The course's payload alignment: what the alignment tests found, and the one report line that
names a shortfall, so that it is read once and not as a fault of every test."""

import re

DEFAULT = 16  # harness/test_runtime.c's hl_align() when HEAPLAB_ALIGN is unset

# The failure line of hl_check_aligned (harness/test_runtime.c).
FAILURE = re.compile(r"^FAIL: .*: alignment: .* is (\d+)-byte aligned; the course requires (\d+)$", re.M)


def check(align):
    """The --align option's value, validated: a power of two the runtime accepts."""
    if not 1 <= align <= 4096 or align & (align - 1):
        raise ValueError(f"--align {align}: the payload alignment must be a power of two from 1 to 4096")
    return align


def observed(output):
    """The weakest payload alignment an alignment test reported, or None when it reported none."""
    found = [int(m.group(1)) for m in FAILURE.finditer(output or "")]
    return min(found) if found else None


def header(rows, required):
    """The report's line naming the shortfall, or None when no alignment test found one."""
    seen = [r["alignment"] for r in rows if r.get("alignment")]
    if not seen:
        return None
    return (
        f"ALIGNMENT: the allocator returns {min(seen)}-byte-aligned payloads; this course requires "
        f"{required} (ALIGN={required}); only the alignment tests fail for it"
    )
