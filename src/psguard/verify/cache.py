"""Verification results cached in the user's cache directory.

One JSON file, ``$XDG_CACHE_HOME/psguard/verify-v1.json`` (default
``~/.cache/psguard/verify-v1.json``), mode 0600. Entries are keyed by
``sha256(endpoint + "\\n" + key)``: the raw key is never stored, and neither is a hash
of the key alone. Only "live" (short TTL) and "rejected" (longer TTL) answers are
kept; "unknown" is never cached.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from psguard.models import Record
from psguard.usercache import cache_dir, write_atomic

CACHE_FILE = "verify-v1.json"


def entry_key(secret: str, endpoint: str) -> str:
    return hashlib.sha256(f"{endpoint}\n{secret}".encode()).hexdigest()


class CachedResult(Record):
    __slots__ = ("outcome", "detail", "code", "checked_at", "reach")

    def __init__(self, outcome: str, detail: str, code: int | None, checked_at: float,
                 reach: dict[str, Any] | None = None) -> None:
        self.outcome = outcome  # live | restricted | rejected
        self.detail = detail
        self.code = code
        self.checked_at = checked_at
        self.reach = reach


class VerifyCache:
    def __init__(self, path: Path | None = None, *, ttl_live: float = 600.0,
                 ttl_rejected: float = 86400.0) -> None:
        self.path = path or cache_dir() / CACHE_FILE
        self.ttl = {"live": ttl_live, "restricted": ttl_live, "rejected": ttl_rejected}
        self._entries: dict[str, dict[str, Any]] = {}
        self._dirty = False
        self._load()

    def _read(self) -> tuple[dict[str, dict[str, Any]], int]:
        """Unexpired, well-formed entries on disk, and how many entries the file had."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}, 0  # missing or damaged: start empty, rewrite on save
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            return {}, 1
        now = time.time()
        kept = {k: v for k, v in entries.items()
                if isinstance(v, dict) and isinstance(v.get("expires"), (int, float))
                and isinstance(v.get("checked_at"), (int, float))
                and v["expires"] > now and v.get("outcome") in self.ttl}
        return kept, len(entries)

    def _load(self) -> None:
        self._entries, total = self._read()
        self._dirty = len(self._entries) != total

    def get(self, secret: str, endpoint: str) -> CachedResult | None:
        entry = self._entries.get(entry_key(secret, endpoint))
        if entry is None or entry["expires"] <= time.time():
            return None
        # A shorter TTL configured since the entry was written applies too.
        if entry["checked_at"] + self.ttl[entry["outcome"]] <= time.time():
            return None
        from psguard.verify.reach import revalidate

        return CachedResult(entry["outcome"], str(entry.get("detail", "")),
                            entry.get("code"), float(entry["checked_at"]),
                            revalidate(entry.get("reach")))

    def put(self, secret: str, endpoint: str, outcome: str, detail: str,
            code: int | None, reach: dict[str, Any] | None = None) -> None:
        ttl = self.ttl.get(outcome)
        if not ttl or ttl <= 0:
            return
        now = time.time()
        self._entries[entry_key(secret, endpoint)] = {
            "outcome": outcome, "detail": detail, "code": code, "reach": reach,
            "checked_at": now, "expires": now + ttl}
        self._dirty = True

    def save(self) -> None:
        """Write atomically; a cache that cannot be written is silently skipped."""
        if not self._dirty:
            return
        # Merge with what another psguard process may have written meanwhile.
        on_disk, _ = self._read()
        on_disk.update(self._entries)
        self._entries = on_disk
        data = json.dumps({"version": 1, "entries": self._entries}).encode()
        if write_atomic(self.path, data, dir_mode=0o700):
            self._dirty = False
