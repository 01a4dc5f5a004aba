"""The stdin source: `psguard scan --stdin` (a pipe, a prompt, a log)."""

from __future__ import annotations

import sys

from psguard.models import Origin
from psguard.request import Mode
from psguard.sources.base import SourceInput, SourceResult


def scan_stdin(given: SourceInput) -> SourceResult:
    data = sys.stdin.buffer.read()
    result = SourceResult(Mode.STDIN, "<stdin>")
    result.stats.bytes = len(data)
    result.candidates.extend(given.engine.scan_bytes(data, Origin(kind="stdin"),
                                                     result.problems))
    return result
