"""What refs reach but the repository lacks (partial clones, damaged mirrors).

A history scan finds these alongside its read of the object store, with one of:

- the main walk (locate.MainWalk, `git log --raw` over branches, tags and other
  refs), which also serves locating: a blob it shows that the object listing does
  not hold is missing (`absent_blobs`). A missing commit, tree or tag stops it (then
  `git rev-list --objects --all --missing=print` lists them, as a fallback). What it
  does not walk (the stash, notes, refs to trees or blobs) gets a small
  `git rev-list --objects --missing=print` of its own (`outside_main_walk`).
- the full rev-list walk alone, when there is no object listing to compare with
  (the object store is unchanged since the cached run) or the refs cannot be read.
- no walk at all when the refs are unchanged since the cached run: the objects it
  found missing are only checked again.
"""

from __future__ import annotations

import re
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO

from psguard.git.locate import MainWalk
from psguard.git.runner import run_git, spawn_git
from psguard.git.snapshot import RepoSnapshot

UNWALKED = "-"  # in a missing list: a walk stopped at an object it could not name
_OID = re.compile(rb"\b[0-9a-f]{40}(?:[0-9a-f]{24})?\b")


class RevListMissing:
    """A running `rev-list --objects --missing=print`: what refs reach but the
    repository lacks. Output goes to unnamed temporary files, so nothing has to read
    it meanwhile."""

    def __init__(self, root: Path, extra_tips: list[str], revs: bytes | None = None) -> None:
        """By default everything: every ref and extra_tips. With revs (lines for
        `rev-list --stdin`), only those."""
        args = ["rev-list", "--objects", "--no-object-names", "--missing=print"]
        args += ["--stdin"] if revs is not None else ["--all", *extra_tips, "--"]
        self.out: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish
        self.err: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish
        with tempfile.TemporaryFile() as stdin:
            stdin.write(revs or b"")
            stdin.seek(0)
            # It runs beside the object listing and the readers: small windows and
            # caches keep it near 55 MB resident (sqlalchemy; 180 MB with git's
            # defaults), as fast (1.7 s either way).
            self.proc = spawn_git(args, root, stdin=stdin, stdout=self.out, stderr=self.err,
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


def outside_main_walk(snap: RepoSnapshot, stash: list[str]) -> bytes | None:
    """`rev-list --stdin` lines for what the main walk (locate.MAIN_REVS) does not
    cover: the stash and its reflog entries, notes refs, refs to trees or blobs (or
    to tags of those), each as a tip, and every other ref's object as `^id` so the
    history they share with it is not walked twice. b"" when there is nothing
    outside; None when the refs cannot be read (a missing tag object)."""
    if not snap.refs_complete:
        return None
    tips = list(stash)
    covered: list[str] = []
    for ref in snap.refs:
        main = ref.name != "refs/stash" and not ref.name.startswith("refs/notes/")
        # one level of peeling, as the walk's --all sees it
        if main and (ref.type == "commit" or (ref.type == "tag"
                                              and ref.peeled_type == "commit")):
            covered.append(ref.oid)
        else:
            tips.append(ref.oid)
    if not tips:
        return b""
    return "".join(f"{t}\n" for t in [*tips, *(f"^{c}" for c in covered)]).encode()


class MissingSearch:
    """The search for missing objects that one history scan runs alongside reading
    the object store; `walk` is the main walk when this search started one (locating
    uses it too)."""

    def __init__(self, snap: RepoSnapshot, stash: list[str]) -> None:
        self.snap = snap
        self.stash = stash
        self.walk: MainWalk | None = None
        self._known: list[str] = []
        self._full: RevListMissing | None = None
        self._outside: RevListMissing | None = None
        self._absent: Future[set[str]] | None = None
        self.deferred = False  # beside_main_walk(start=False) until start()

    @classmethod
    def recheck(cls, snap: RepoSnapshot, known: list[str]) -> MissingSearch:
        """Refs unchanged since a cached run: its missing objects, checked again."""
        search = cls(snap, [])
        search._known = still_missing(snap.root, known)
        return search

    @classmethod
    def full(cls, snap: RepoSnapshot, stash: list[str]) -> MissingSearch:
        """No object listing to compare with: the full rev-list walk."""
        search = cls(snap, stash)
        search._full = RevListMissing(snap.root, stash)
        return search

    @classmethod
    def beside_main_walk(cls, snap: RepoSnapshot, stash: list[str], *, start: bool = True
                         ) -> MissingSearch:
        """The main walk, plus a small walk over what it does not cover (or the full
        walk when the refs cannot be read). start=False: not before start()."""
        search = cls(snap, stash)
        search.deferred = not start
        if start:
            search._start_walks()
        return search

    def start(self, *, locating: bool = True) -> None:
        """Start a deferred search's walks (once). locating=False: nothing needs the
        main walk's output (no object hit), so the full rev-list walk alone, which
        costs about half of it (sqlalchemy: 1.7 s of git CPU against 3.3 s, before
        reading its output)."""
        if self.deferred:
            self.deferred = False
            if locating:
                self._start_walks()
            else:
                self._full = RevListMissing(self.snap.root, self.stash)

    def _start_walks(self) -> None:
        self.walk = MainWalk(self.snap.root)
        revs = outside_main_walk(self.snap, self.stash)
        if revs is None:
            self._full = RevListMissing(self.snap.root, self.stash)
        elif revs:
            self._outside = RevListMissing(self.snap.root, self.stash, revs)

    @property
    def wants_listing(self) -> bool:
        """Whether watch() needs the listed blobs: the main walk decides what is missing."""
        return (self.walk is not None or self.deferred) and self._full is None

    def watch(self, listed_blobs: set[bytes]) -> None:
        """Start comparing the main walk's blobs with the listing, in a thread.

        Call it after any worker processes are forked: they must not inherit a
        running thread."""
        if not self.wants_listing or self.walk is None:
            return
        background = ThreadPoolExecutor(1)
        self._absent = background.submit(self.walk.absent_blobs, listed_blobs)
        background.shutdown(wait=False)

    def result(self) -> list[str]:
        """Every missing object found (UNWALKED when a walk stopped unexplained)."""
        if self._absent is not None and self.walk is not None:
            return self._from_walk(self.walk, self._absent.result())
        if self._full is not None:
            return finish_full(self.snap, self._full)
        return self._known

    def _from_walk(self, walk: MainWalk, not_listed: set[str]) -> list[str]:
        """What refs reach but the repository lacks, from the main walk's output (blobs
        it shows that the object listing lacks, `not_listed`, confirmed by git) and the
        small walk over what it does not cover. If either walk stopped early (a missing
        commit, tree or tag), the full rev-list walk instead, which lists those too."""
        outside_ok = True
        missing: list[str] = []
        if self._outside is not None:
            missing, outside_ok = self._outside.finish()
        if walk.wait() != 0 or not outside_ok:
            return finish_full(self.snap, RevListMissing(self.snap.root, self.stash))
        # Not listed: missing, or (alternates the listing did not see) present after all.
        missing += still_missing(self.snap.root, sorted(not_listed))
        return missing
