"""Caches for repeated history audits, kept in the repository's git directory.

- BlobCache: ids of objects (blobs, commits, tags) found clean under one rule-set
  version. A repeated audit reads only objects it has not seen. Objects with hits
  are never cached, so they are scanned again (and never stored anywhere).
- LocateCache: for an unchanged set of refs, the locations of blobs with hits and
  the objects found missing, so a repeated audit skips the walks.
- HistoryCaches: both, as one history scan reads them, and what they say about it
  (refs unchanged, same objects) under the key `refs_state`.

Neither holds key material: object ids, paths, commit ids, authors and dates only.
Files live under `<git dir>/psguard/`; any error reading or writing them is ignored
(a read-only repository just runs without a cache). `--no-cache` bypasses both.

Sealed: whoever can write the repository can write these files, and one blob id
added to the clean list would hide a key. So each file is sealed with the user's
cache key (cachekey.py: HMAC-SHA256 with 32 random bytes kept 0600 in the user's own
cache directory) over its whole content and what it vouches for: which cache, the
rule-set and psguard version. A file that does not verify is ignored, with a
one-line notice, and the scan reads what it would have skipped; when the key
cannot be kept private there is no cache at all. Why keep the files in the
repository rather than in the user's cache directory: they describe that object
store (pack names, refs) and go away with it; worktrees share them through the
common git directory; moving or copying a repository keeps its cache, with nothing
to look up by path and nothing left behind in the home directory. The seal, not the
place, is what makes them trustworthy (a copy in the home directory would be no
safer from a build step running as the same user).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from psguard.cachekey import seal, unseal, user_key
from psguard.escape import terminal
from psguard.git.locate import Location
from psguard.git.missing import UNWALKED
from psguard.git.packlist import ObjectInfo, own_objects_only
from psguard.git.snapshot import RepoSnapshot
from psguard.models import Record
from psguard.usercache import write_atomic

_DIR = "psguard"
CLEAN = "clean-v2"  # v1 files (not sealed) are never read; the next save removes them
LOCATED = "located-v2"
_WIDTHS = (20, 32)  # SHA-1 and SHA-256 object ids


def _cache_dir(git_dir: Path) -> Path:
    return git_dir / _DIR


def _drop_other_versions(git_dir: Path, stem: str, keep: Path) -> None:
    """Every other file of this cache ("clean", "located"): other rule-set versions,
    older formats."""
    with contextlib.suppress(OSError):
        for old in _cache_dir(git_dir).glob(f"{stem}-*"):
            if old != keep:
                old.unlink()


def _read_sealed(path: Path, key: bytes, purpose: str) -> tuple[bytes | None, bool]:
    """(payload, True) for a file that verifies; (None, True) for no file; (None,
    False) for one that does not verify (damaged, or not written by this user)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None, True
    payload = unseal(key, purpose, raw)
    return payload, payload is not None


class BlobCache(Record):
    __slots__ = ("path", "git_dir", "key", "purpose", "clean", "added")

    def __init__(self, path: Path, git_dir: Path, key: bytes, purpose: str,
                 clean: set[bytes] | None = None, added: list[bytes] | None = None) -> None:
        self.path = path
        self.git_dir = git_dir
        self.key = key
        self.purpose = purpose  # what the seal covers besides the ids
        self.clean: set[bytes] = set() if clean is None else clean
        self.added: list[bytes] = [] if added is None else added

    @classmethod
    def load(cls, git_dir: Path, version: str, key: bytes) -> tuple[BlobCache, bool]:
        """The cache, and False when a file was there but did not verify."""
        path = _cache_dir(git_dir) / f"{CLEAN}-{version}.bin"
        cache = cls(path, git_dir, key, f"{CLEAN}\0{version}")
        payload, ok = _read_sealed(path, key, cache.purpose)
        if payload:
            width, ids = payload[0], payload[1:]  # one byte: the id width
            if width in _WIDTHS and len(ids) % width == 0:
                cache.clean = {ids[i:i + width] for i in range(0, len(ids), width)}
        return cache, ok

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
        width = len(self.added[0])
        ids = b"".join(sorted(i for i in self.clean if len(i) == width))
        write_atomic(self.path, seal(self.key, self.purpose, bytes([width]) + ids))
        _drop_other_versions(self.git_dir, "clean", self.path)
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
        return _cache_dir(git_dir) / f"{LOCATED}-{version}.bin"

    @classmethod
    def load(cls, git_dir: Path, version: str, key: bytes) -> tuple[LocateCache | None, bool]:
        """The cache (None: no usable one), and False when a file was there but did
        not verify."""
        payload, ok = _read_sealed(cls._path(git_dir, version), key,
                                   f"{LOCATED}\0{version}")
        if payload is None:
            return None, ok
        try:
            data = json.loads(payload)
            located = {blob: [Location(**loc) for loc in locs]
                       for blob, locs in data["located"].items()}
            return cls(data["state"], list(data["missing"]), located, data.get("odb"),
                       [(str(o), str(t)) for o, t in data.get("pending", [])],
                       {str(k): int(v) for k, v in data.get("counts", {}).items()}), True
        except (ValueError, KeyError, TypeError, AttributeError):
            return None, True  # sealed by this user, yet not this layout: start afresh

    def save(self, git_dir: Path, version: str, key: bytes) -> None:
        path = self._path(git_dir, version)
        data = {"state": self.state, "missing": self.missing,
                "located": {b: [{f: getattr(loc, f) for f in loc._fields} for loc in locs]
                            for b, locs in self.located.items()},
                "odb": self.odb, "pending": self.pending, "counts": self.counts}
        write_atomic(path, seal(key, f"{LOCATED}\0{version}", json.dumps(data).encode()))
        _drop_other_versions(git_dir, "located", path)


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


# The first line of what refs_state hashes: a digest made by an earlier formula (and a
# located cache saved under it) can never equal one made by this one, so such caches
# are invalidated, not misread.
_STATE_FORMAT = b"psguard-refs-v2\n"


def refs_state(snap: RepoSnapshot, stash: list[str]) -> str:
    """The located cache's key, from the run's snapshot: it changes when a ref, HEAD
    or the stash's reflog does (locations and missing objects depend on nothing else)."""
    import hashlib

    digest = hashlib.sha256(_STATE_FORMAT)
    for ref in snap.refs:
        digest.update(b"%s %s\n" % (ref.oid.encode(), os.fsencode(ref.name)))
    digest.update(f"\0{snap.head or ''}\0{' '.join(stash)}".encode())
    return digest.hexdigest()


class HistoryCaches(Record):
    """The caches one history scan reads (none with --no-cache), and what they say
    about this run: the refs unchanged (no walks), the same objects (no listing)."""

    __slots__ = ("common_dir", "version", "state", "blobs", "located", "odb")

    def __init__(self, common_dir: Path, version: str, state: str, blobs: BlobCache | None,
                 located: LocateCache | None, odb: str | None) -> None:
        self.common_dir = common_dir
        self.version = version
        self.state = state
        self.blobs = blobs  # None: no cache this run (--no-cache, or no private key)
        self.located = located
        self.odb = odb

    @classmethod
    def load(cls, common_dir: Path, version: str, state: str, *, enabled: bool,
             untrusted: Sequence[Path] = ()) -> HistoryCaches:
        """The caches; `untrusted`: the scanned repository's directories, where the
        user's cache key must not be (a repository could ship one of its own)."""
        if not enabled:
            return cls(common_dir, version, state, None, None, None)
        key, why = user_key(untrusted)
        if key is None:
            if why:
                _notice(f"not using the history cache: {why}")
            return cls(common_dir, version, state, None, None, None)
        blobs, blobs_ok = BlobCache.load(common_dir, version, key)
        located, located_ok = LocateCache.load(common_dir, version, key)
        bad = [p for p, ok in ((blobs.path, blobs_ok),
                               (LocateCache._path(common_dir, version), located_ok)) if not ok]
        if bad:
            _notice(f"ignoring {' and '.join(p.name for p in bad)} in "
                    f"{_cache_dir(common_dir)}: not sealed with this user's cache key "
                    "(damaged, or written by someone else); reading what it would skip")
            for path in bad:  # said once: this run writes a sealed one
                with contextlib.suppress(OSError):
                    path.unlink()
        return cls(common_dir, version, state, blobs, located, odb_fingerprint(common_dir))

    @property
    def refs_unchanged(self) -> bool:
        """Same refs as the cached run, and its walks went everywhere."""
        return (self.located is not None and self.located.state == self.state
                and UNWALKED not in self.located.missing)

    @property
    def same_objects(self) -> bool:
        """Same object store as the cached run: only what was not clean needs reading."""
        return (self.odb is not None and self.blobs is not None and bool(self.blobs.clean)
                and self.located is not None and self.located.odb == self.odb)

    @property
    def cached_missing(self) -> list[str]:
        return self.located.missing if self.located is not None else []

    def is_clean(self, oid: str) -> bool:
        return self.blobs is not None and self.blobs.is_clean(oid)

    def pending(self) -> tuple[list[ObjectInfo], dict[str, int]]:
        """The cached run's objects that were not clean, and its object counts."""
        if self.located is None:
            return [], {}
        return ([ObjectInfo(oid, kind, 0) for oid, kind in self.located.pending],
                self.located.counts)

    def locations(self, blobs: set[str]) -> dict[str, list[Location]]:
        """The cached locations of these blobs, when the refs are the same."""
        if self.located is None or self.located.state != self.state:
            return {}
        return {b: self.located.located[b] for b in blobs if b in self.located.located}

    def save(self, read: list[ObjectInfo], not_clean: set[str], missing: list[str],
             located: dict[str, list[Location]], counts: dict[str, int]) -> None:
        """After a scan that read `read`: the clean ones into the blob cache; the rest
        (to read again), the missing objects, locations and counts into the other."""
        if self.blobs is None:
            return  # --no-cache
        self.blobs.add([o.oid for o in read if o.oid not in not_clean])
        self.blobs.save()
        pending = [(o.oid, o.type) for o in read if o.oid in not_clean]
        LocateCache(self.state, missing=sorted(set(missing)), located=located, odb=self.odb,
                    pending=pending, counts=counts).save(self.common_dir, self.version,
                                                         self.blobs.key)


def _notice(text: str) -> None:
    print(f"psguard: notice: {terminal(text)}", file=sys.stderr)
