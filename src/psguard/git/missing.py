"""What refs reach but the repository lacks (partial clones, damaged mirrors).

A history scan finds these alongside its read of the object store, with one of:

- the full `git rev-list --objects --all --missing=print` walk, started before the
  object listing (a core is idle while the listing is read) with small pack windows;
  it lists missing blobs, trees, commits and tags, the stash's and notes' included.
  (The `git log --raw` walk that locates hits, locate.MainWalk, costs about twice as
  much: it runs only when something hit.)
- no walk at all when the refs are unchanged since the cached run: the objects it
  found missing are only checked again.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import IO

from psguard.git.runner import run_git, spawn_git
from psguard.git.snapshot import RepoSnapshot

UNWALKED = "-"  # in a missing list: a walk stopped at an object it could not name
_OID = re.compile(rb"\b[0-9a-f]{40}(?:[0-9a-f]{24})?\b")


class RevListMissing:
    """A running `rev-list --objects --missing=print`: what refs reach but the
    repository lacks. Output goes to unnamed temporary files, so nothing has to read
    it meanwhile."""

    def __init__(self, root: Path, extra_tips: list[str]) -> None:
        """Everything: every ref and extra_tips (the stash's reflog entries)."""
        args = ["rev-list", "--objects", "--no-object-names", "--missing=print", "--all",
                *extra_tips, "--"]
        self.out: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish
        self.err: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish
        # It runs beside the object listing and the readers: small windows and
        # caches keep it near 55 MB resident (sqlalchemy; 180 MB with git's
        # defaults), as fast (1.7 s either way).
        self.proc = spawn_git(args, root, stdout=self.out, stderr=self.err,
                              pack_limit_mb=16, delta_cache_mb=8)

    def finish(self, snap: RepoSnapshot | None = None) -> tuple[list[str], bool]:
        """The objects rev-list printed as missing, and whether it walked everything.

        rev-list stops, instead of printing it, at a missing commit or at a ref to a
        missing tag: with snap given, those ids are found (from git's message, and
        among the refs' own objects) and added.
        """
        self.proc.wait()
        self.out.seek(0)
        missing = [line[1:].strip().decode() for line in self.out if line.startswith(b"?")]
        self.out.close()
        self.err.seek(0)
        message = self.err.read(1 << 16)
        self.err.close()
        if self.proc.returncode == 0:
            return missing, True
        if snap is not None:
            missing += walk_stoppers(snap, message)
        return missing, False


def finish_full(snap: RepoSnapshot, traversal: RevListMissing) -> list[str]:
    """The full missing-object walk's result. If it could not walk everything and no
    missing object explains why, an id-less entry (UNWALKED) says so."""
    missing, complete = traversal.finish(snap)
    if not complete and not missing:
        missing = [UNWALKED]
    return missing


def walk_stoppers(snap: RepoSnapshot, message: bytes) -> list[str]:
    """Missing objects that stopped a walk: ids git named (some named objects are
    present: "could not traverse parents of <commit>") and refs to missing objects."""
    named = {m.decode() for m in _OID.findall(message)}
    refs = {r.oid for r in snap.refs}
    suspects = still_missing(snap.root, sorted(named | refs))
    # git may stop at the first missing id of a batch: ask again one at a time
    return [oid for i, oid in enumerate(suspects)
            if i >= 100 or still_missing(snap.root, [oid])]


def still_missing(root: Path, oids: list[str]) -> list[str]:
    """Those of oids the repository does not hold."""
    if not oids:
        return []
    proc = run_git(["cat-file", "--batch-check=%(objectname) %(objecttype)"], root,
                   input=("\n".join(oids) + "\n").encode(), check=False, no_fetch=True)
    # In a partial clone git dies on the first missing object (it may not fetch it):
    # whatever git did not report as present is still missing.
    present = {line.split(b" ")[0].decode() for line in proc.stdout.split(b"\n")
               if line and not line.endswith(b" missing")}
    return [oid for oid in oids if oid not in present]


class MissingSearch:
    """The search for missing objects that one history scan runs alongside reading
    the object store."""

    def __init__(self, snap: RepoSnapshot, stash: list[str]) -> None:
        self.snap = snap
        self.stash = stash
        self._known: list[str] = []
        self._full: RevListMissing | None = None

    @classmethod
    def recheck(cls, snap: RepoSnapshot, known: list[str]) -> MissingSearch:
        """Refs unchanged since a cached run: its missing objects, checked again."""
        search = cls(snap, [])
        search._known = still_missing(snap.root, known)
        return search

    @classmethod
    def full(cls, snap: RepoSnapshot, stash: list[str]) -> MissingSearch:
        """The full rev-list walk, started now."""
        search = cls(snap, stash)
        search._full = RevListMissing(snap.root, stash)
        return search

    def result(self) -> list[str]:
        """Every missing object found (UNWALKED when the walk stopped unexplained)."""
        if self._full is not None:
            return finish_full(self.snap, self._full)
        return self._known
