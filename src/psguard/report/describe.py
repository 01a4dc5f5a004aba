"""Short human descriptions shared by the text, GitHub, JUnit and Markdown reports."""

from __future__ import annotations

from psguard.models import Candidate


def describe_location(c: Candidate) -> str:
    o = c.origin
    where = o.path or ""
    if c.line is not None:
        where += f":{c.line}:{c.column}"
    elif o.kind in ("file", "blob", "stdin"):
        where += f" (binary, byte {c.offset})"
    if o.kind == "stdin":
        where = "<stdin>" + where
    elif o.kind == "blob" and o.commit:
        where += f" in commit {o.commit[:12]}"
    elif o.kind == "blob" and o.blob:
        where += f" in blob {o.blob[:12]}"
    elif o.kind in ("commit-message", "tag-message", "note", "stash"):
        ref = o.commit[:12] if o.commit else ""
        where = f"{o.kind} {ref} {where}".strip()
    if o.decoded_from:
        where += f" (decoded from {o.decoded_from})"
    if o.repository:  # an audit of many repositories
        where = f"{o.repository}: {where}"
    return where


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"
