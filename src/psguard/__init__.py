"""psguard: find Poolside API keys before they leak, and after they have.

A small Python API for tools that want the engine without the command line::

    import psguard
    findings = psguard.scan_text(prompt)          # list of Finding
    result = psguard.scan_path("path/to/repo")    # ScanResult (working tree)

Findings carry the raw key in `.secret` (your process, your responsibility); use
`.redacted` for anything you print or log.
"""

from __future__ import annotations

from psguard.version import __version__

# Not typing.TYPE_CHECKING: importing typing costs the pre-commit hook several ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from psguard.models import Finding, ScanResult

__all__ = ["__version__", "scan_bytes", "scan_path", "scan_text"]


def scan_bytes(data: bytes, *, min_confidence: str = "medium") -> list[Finding]:
    """Findings in a byte string (any encoding, binary included)."""
    from psguard.pipeline import scan_buffer

    return scan_buffer(data, min_confidence=min_confidence)


def scan_text(text: str, *, min_confidence: str = "medium") -> list[Finding]:
    """Findings in a string, such as a prompt an LLM gateway is about to send."""
    return scan_bytes(text.encode("utf-8", errors="surrogateescape"),
                      min_confidence=min_confidence)


def scan_path(path: str | Path = ".", *, min_confidence: str | None = None) -> ScanResult:
    """Scan a working tree (or any directory) the way `psguard scan PATH` does."""
    from pathlib import Path as _Path

    from psguard.pipeline import run_scan
    from psguard.request import ScanRequest

    return run_scan(ScanRequest(path=_Path(path), min_confidence=min_confidence))
