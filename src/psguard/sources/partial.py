"""Files and blobs above max_file_size: their first and last megabyte are scanned.

A key is most often near the start of a file (a header, a config block) or at its
end (appended to a log, a dump): reading those two pieces costs the same however
large the file is. The rest is not read, so such a file always makes the scan
incomplete: a `too-large` problem names it and says what was scanned.

Keys in the first piece have their line and column; keys in the last piece have
their byte offset in the whole file (the lines before it were not counted).
"""

from __future__ import annotations

from psguard.engine.engine import Engine
from psguard.models import Candidate, Origin, Problem

EDGE = 1024 * 1024  # bytes scanned at each end of an oversized file


def edge_size(max_size: int) -> int:
    """How much of each end is read: a megabyte, or half of max_file_size when that
    is smaller (the two pieces together never exceed the limit the user set)."""
    return max(0, min(EDGE, max_size // 2))


def _shown(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    return f"{n} bytes"


def too_large_problem(target: str, size: int, max_size: int, edge: int) -> Problem:
    what = f"only its first and last {_shown(edge)} were scanned" if edge else "not scanned"
    return Problem("too-large", target,
                   f"{size} bytes is above max_file_size ({max_size}); {what}")


def scan_edges(engine: Engine, head: bytes, tail: bytes, size: int, origin: Origin,
               problems: list[Problem]) -> list[Candidate]:
    """Candidates in the first piece (`head`, from offset 0) and the last (`tail`,
    ending at `size`); the tail's carry their offset in the whole file and no line
    (those inside an archive member keep the member's coordinates)."""
    found = engine.scan_bytes(head, origin, problems) if head else []
    if tail:
        start = size - len(tail)
        for c in engine.scan_bytes(tail, origin, problems):
            if not _in_member(c.origin.decoded_from):
                c = c.replace(offset=start + c.offset, end=start + c.span_end, line=None,
                              column=None)
            found.append(c)
    return found


def _in_member(decoded_from: str | None) -> bool:
    return decoded_from is not None and any(
        part.startswith(("zip:", "tar:", "gzip")) for part in decoded_from.split(" > "))
