"""The pre-receive gate's log: one JSON line per key let through by a bypass, or per
push let through when the time budget ran out (`psguard.budgetExhausted = accept`).

Each line: time (UTC), event (bypass | budget), ref and refs, commits, fingerprint,
redacted, reason, pusher. Never the raw key: the reason is the pusher's own text and is
scrubbed of keys before it is written. Lines are appended with one write each, so
concurrent pushes do not interleave within a line.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from psguard.errors import PsguardError
from psguard.models import Finding, scrub_keys

MAX_REASON = 500  # characters of the pusher's reason kept


class LogError(PsguardError):
    """The log cannot be written: the bypass is refused (exit 2), never unrecorded."""


def clean_reason(reason: str) -> str:
    return scrub_keys(reason)[:MAX_REASON]


def key_entries(findings: list[Finding], refs_of: dict[str, list[str]], *, reason: str,
                who: str, event: str = "bypass") -> list[dict[str, Any]]:
    """One entry per key; refs_of: commit (or tag ref) -> the pushed refs that bring it."""
    now = _now()
    entries = []
    for f in findings:
        commits = list(dict.fromkeys(c.origin.commit for c in f.candidates
                                     if c.origin.commit and c.origin.kind != "tag-message"))
        refs: list[str] = []
        for c in f.candidates:
            key = c.origin.path if c.origin.kind == "tag-message" else c.origin.commit
            for ref in refs_of.get(key or "", []):
                if ref not in refs:
                    refs.append(ref)
        entries.append({"time": now, "event": event, "ref": refs[0] if refs else None,
                        "refs": refs, "commits": commits, "fingerprint": f.fingerprint,
                        "redacted": f.redacted, "reason": clean_reason(reason),
                        "pusher": who})
    return entries


def push_entry(refs: list[str], *, reason: str, who: str, event: str) -> dict[str, Any]:
    """One entry for a whole push whose keys are not known (the budget ran out)."""
    return {"time": _now(), "event": event, "ref": refs[0] if refs else None, "refs": refs,
            "commits": [], "fingerprint": None, "redacted": None,
            "reason": clean_reason(reason), "pusher": who}


def append(path: Path, entries: list[dict[str, Any]]) -> None:
    """Append the entries as JSON lines, creating the file's directory if needed."""
    data = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            raw = data.encode("utf-8")
            while raw:
                raw = raw[os.write(fd, raw):]
        finally:
            os.close(fd)
    except OSError as exc:
        raise LogError(f"cannot write the bypass log {path}: {exc.strerror}") from None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
