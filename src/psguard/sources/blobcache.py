"""Caches for repeated history audits, kept in the repository's git directory.

- BlobCache: ids of objects (blobs, commits, tags) found clean under one rule-set
  version. A repeated audit reads only objects it has not seen. Objects with hits
  are never cached, so they are scanned again (and never stored anywhere).
- LocateCache: for an unchanged set of refs, the locations of blobs with hits and
  the objects found missing, so a repeated audit skips the walks.

Neither holds key material: object ids, paths, commit ids, authors and dates only.
Files live under `<git dir>/psguard/`; any error reading or writing them is ignored
(a read-only repository just runs without a cache). `--no-cache` bypasses both.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from psguard.git.locate import Location
from psguard.git.packlist import own_objects_only
from psguard.models import Record
from psguard.usercache import write_atomic

_DIR = "psguard"


def _cache_dir(git_dir: Path) -> Path:
    return git_dir / _DIR


def _drop_other_versions(git_dir: Path, stem: str, keep: Path) -> None:
    with contextlib.suppress(OSError):
        for old in _cache_dir(git_dir).glob(f"{stem}-*"):
            if old != keep:
                old.unlink()


class BlobCache(Record):
    __slots__ = ("path", "git_dir", "clean", "added")

    def __init__(self, path: Path, git_dir: Path, clean: set[bytes] | None = None,
                 added: list[bytes] | None = None) -> None:
        self.path = path
        self.git_dir = git_dir
        self.clean: set[bytes] = set() if clean is None else clean
        self.added: list[bytes] = [] if added is None else added

    @classmethod
    def load(cls, git_dir: Path, version: str) -> BlobCache:
        path = _cache_dir(git_dir) / f"clean-v1-{version}.bin"
        cache = cls(path, git_dir)
        try:
            raw = path.read_bytes()
        except OSError:
            return cache
        width = 20 if len(raw) % 20 == 0 else 32 if len(raw) % 32 == 0 else 0
        if width:
            cache.clean = {raw[i:i + width] for i in range(0, len(raw), width)}
        return cache

    def is_clean(self, oid: str) -> bool:
        return bytes.fromhex(oid) in self.clean

    def add(self, oids: list[str]) -> None:
        for oid in oids:
            raw = bytes.fromhex(oid)
            if raw not in self.clean:
                self.clean.add(raw)
                self.added.append(raw)

    def save(self) -> None:
        if not self.added:
            return
        write_atomic(self.path, b"".join(sorted(self.clean)))
        _drop_other_versions(self.git_dir, "clean-v1", self.path)
        self.added.clear()


class LocateCache(Record):
    __slots__ = ("state", "missing", "located", "odb", "pending", "counts")

    def __init__(self, state: str | None, missing: list[str] | None = None,
                 located: dict[str, list[Location]] | None = None, odb: str | None = None,
                 pending: list[tuple[str, str]] | None = None,
                 counts: dict[str, int] | None = None) -> None:
        self.state = state
        self.missing: list[str] = [] if missing is None else missing
        self.located: dict[str, list[Location]] = {} if located is None else located
        # With an unchanged object store (odb_fingerprint), the objects that were not
        # clean (hits, oversized, unreadable) and the object counts: no listing at all.
        self.odb = odb
        self.pending: list[tuple[str, str]] = [] if pending is None else pending  # (oid, type)
        self.counts: dict[str, int] = {} if counts is None else counts

    @staticmethod
    def _path(git_dir: Path, version: str) -> Path:
        return _cache_dir(git_dir) / f"located-v1-{version}.json"

    @classmethod
    def load(cls, git_dir: Path, version: str) -> LocateCache | None:
        try:
            data = json.loads(cls._path(git_dir, version).read_text(encoding="utf-8"))
            located = {blob: [Location(**loc) for loc in locs]
                       for blob, locs in data["located"].items()}
            return cls(data["state"], list(data["missing"]), located, data.get("odb"),
                       [(str(o), str(t)) for o, t in data.get("pending", [])],
                       {str(k): int(v) for k, v in data.get("counts", {}).items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing or damaged (e.g. a list where a mapping belongs)

    def save(self, git_dir: Path, version: str) -> None:
        path = self._path(git_dir, version)
        data = {"state": self.state, "missing": self.missing,
                "located": {b: [{f: getattr(loc, f) for f in loc._fields} for loc in locs]
                            for b, locs in self.located.items()},
                "odb": self.odb, "pending": self.pending, "counts": self.counts}
        write_atomic(path, json.dumps(data).encode())
        _drop_other_versions(git_dir, "located-v1", path)


def odb_fingerprint(git_dir: Path) -> str | None:
    """Names and sizes of every pack and loose object: equal fingerprints mean the same
    set of objects (pack names are content hashes). None when it cannot be trusted
    (alternates, an object directory set from the environment)."""
    import hashlib

    objects = git_dir / "objects"
    if not own_objects_only(git_dir):
        return None
    digest = hashlib.sha256()
    try:
        for entry in sorted(os.scandir(objects / "pack"), key=lambda e: e.name):
            if entry.name.endswith(".pack"):
                digest.update(f"{entry.name} {entry.stat().st_size}\n".encode())
        for sub in sorted(os.scandir(objects), key=lambda e: e.name):
            if len(sub.name) == 2 and sub.is_dir():
                for name in sorted(os.listdir(sub.path)):
                    digest.update(f"{sub.name}{name}\n".encode())
    except OSError:
        return None
    return digest.hexdigest()
