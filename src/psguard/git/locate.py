"""Where a blob that holds a key lives: the commits that introduced it, at which paths.

Only blobs with hits pay for this. One `git log --raw -c --find-object=…` walk per
group of refs finds every commit whose diff brings one of the blobs in (merge
commits included: with `-c` a merge shows a blob only when it differs from every
parent, which is exactly an "evil merge" resolution). Walks, in order, each only
for blobs the previous ones did not find:

1. branches, remote branches, tags, HEAD and other refs (not notes, not the stash)
2. the stash and its reflog entries          -> kind "stash"
3. notes refs                                -> kind "note"
4. every reflog (amended or reset commits)   -> noted as reachable from reflogs only
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from psguard.git.runner import popen_git, run_git, spawn_git
from psguard.git.snapshot import RepoSnapshot
from psguard.models import FrozenRecord

# Only the commit id: authors and dates are read from the commits' own headers
# (headers.py), since git prints what a malformed header holds as it finds it, and a
# name may hold the bytes that separate these records.
_FORMAT = "--format=%x01%H%x02"
_MAX_FIND = 1500  # --find-object arguments per git log call


class Location(FrozenRecord):
    """One commit (and path) that brings a blob in."""

    __slots__ = ("commit", "path", "author", "date", "timestamp", "kind", "note", "order",
                 "malformed")

    def __init__(self, commit: str, path: str, author: str | None, date: str | None,
                 timestamp: int, kind: str, note: str | None = None, order: int = 0,
                 malformed: str | None = None) -> None:
        self.commit = commit
        self.path = path
        self.author = author
        self.date = date  # None: the commit's header holds no readable date
        self.timestamp = timestamp  # commit time, 0 when unreadable
        self.kind = kind  # blob | stash | note
        self.note = note
        self.order = order  # position in the walk (topological: larger is older)
        self.malformed = malformed  # what is wrong with the commit's header, if anything


def decode_path(raw: bytes) -> str:
    """Paths are bytes in git; show odd ones readably, never fail to encode."""
    return raw.decode("utf-8", errors="backslashreplace")


def parse_log_raw(data: bytes, wanted: set[str] | None, kind: str,
                  note: str | None = None) -> dict[str, list[Location]]:
    """Parse `git log -z --raw [-c]` output in _FORMAT into blob -> locations (their
    authors and dates still empty: with_headers fills them)."""
    found: dict[str, list[Location]] = {}
    for order, record in enumerate(data.split(b"\x01")):
        if not record:
            continue
        fields = record.split(b"\x02", 1)
        if len(fields) < 2:
            continue
        commit, rest = fields
        tokens = rest.lstrip(b"\0\n").split(b"\0")
        i = 0
        while i + 1 < len(tokens):
            meta, path = tokens[i], tokens[i + 1]
            i += 2
            if not meta.startswith(b":"):
                continue
            parts = meta.split(b" ")
            # ":old new oldsha newsha S" or, combined, "::m1 m2 m sha1 sha2 sha SS"
            new_sha = parts[-2].decode()
            if wanted is not None and new_sha not in wanted:
                continue
            if set(new_sha) == {"0"}:
                continue
            found.setdefault(new_sha, []).append(Location(
                commit.decode(errors="replace"), decode_path(path), None, None, 0, kind,
                note, order))
    return found


def with_headers(cwd: Path, found: dict[str, list[Location]]) -> dict[str, list[Location]]:
    """The locations with their commits' authors, dates and times, read from the
    commits' headers in one `cat-file --batch`; what is malformed in a header is kept
    on its locations, for a warning."""
    from psguard.git.catfile import read_objects
    from psguard.git.headers import parse_header

    commits = sorted({loc.commit for locs in found.values() for loc in locs})
    if not commits:
        return found
    headers = {oid: parse_header(data.partition(b"\n\n")[0])
               for oid, kind, data in read_objects(cwd, commits) if kind == "commit"}
    out: dict[str, list[Location]] = {}
    for blob, locs in found.items():
        filled = []
        for loc in locs:
            h = headers.get(loc.commit)
            filled.append(loc if h is None else loc.replace(
                author=h.author, date=h.date, timestamp=h.time,
                malformed=h.problem_detail()))
        out[blob] = filled
    return out


def log_find_objects(cwd: Path, revs: list[str], blobs: Iterable[str], kind: str,
                     note: str | None = None) -> dict[str, list[Location]]:
    wanted = sorted(set(blobs))
    found: dict[str, list[Location]] = {}
    for start in range(0, len(wanted), _MAX_FIND):
        part = wanted[start:start + _MAX_FIND]
        proc = popen_git(_log_args(revs, part), cwd, stderr=False)
        out, _ = proc.communicate()
        for blob, locs in parse_log_raw(out, set(part), kind, note).items():
            found.setdefault(blob, []).extend(locs)
    return found


MAIN_REVS = ["--exclude=refs/stash", "--exclude=refs/notes/*", "--all"]


def _log_args(revs: list[str], finds: list[str]) -> list[str]:
    return ["-c", "log.showSignature=false", "log", "--no-color", "--root", "-z",
            "--topo-order", "--raw", "-c", "--no-abbrev", "--no-renames", "--no-ext-diff",
            "--no-textconv", _FORMAT, *[f"--find-object={b}" for b in finds], *revs, "--"]


class MainWalk:
    """The walk over branches, tags and other refs (MAIN_REVS), started at the start
    of a history scan and run alongside it; or over a range's revs, started when a
    large range scan first hits. It records every commit's changes to an unnamed
    temporary file; `locations` reads only the records that mention the blobs asked
    for."""

    def __init__(self, cwd: Path, revs: list[str] = MAIN_REVS) -> None:
        import tempfile

        self.out = tempfile.TemporaryFile()  # noqa: SIM115 - closed in locations()
        self.proc = spawn_git(_log_args(revs, []), cwd, stdout=self.out)

    def wait(self) -> int:
        """git's exit status: not 0 when the walk stopped early (a commit, tree or
        tag it needed is missing), so its output does not cover every commit."""
        return self.proc.wait()

    def cancel(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.out.close()

    def locations(self, blobs: set[str]) -> dict[str, list[Location]]:
        import mmap

        self.proc.wait()
        found: dict[str, list[Location]] = {}
        try:
            size = self.out.seek(0, 2)
            if size == 0 or not blobs:
                return found
            with mmap.mmap(self.out.fileno(), 0, access=mmap.ACCESS_READ) as data:
                records: dict[int, bytes] = {}
                for blob in blobs:
                    needle = blob.encode()
                    pos = data.find(needle)
                    while pos >= 0:
                        start = data.rfind(b"\x01", 0, pos)
                        end = data.find(b"\x01", pos)
                        end = size if end < 0 else end
                        if start not in records:
                            records[start] = data[start:end]
                        pos = data.find(needle, end)
                # the order of records in the walk (topological) is their file offset
                for rank, start in enumerate(sorted(records)):
                    parsed = parse_log_raw(records[start], blobs, "blob")
                    for blob, locs in parsed.items():
                        found.setdefault(blob, []).extend(
                            loc.replace(order=rank) for loc in locs)
        finally:
            self.out.close()
        return found


def stash_tips(snap: RepoSnapshot) -> list[str]:
    """refs/stash and every entry of its reflog (older stashes); no git call when the
    snapshot has no refs/stash (its reflog goes with the ref)."""
    return [] if snap.stash is None else _stash_log(snap.root)


def _stash_log(cwd: Path) -> list[str]:
    proc = run_git(["log", "-g", "--format=%H", "refs/stash", "--"], cwd, check=False,
                   no_fetch=True)
    if proc.returncode != 0:
        return []
    return list(dict.fromkeys(proc.stdout.decode().split()))


def stash_only_commits(cwd: Path, stash: list[str]) -> set[str]:
    """The commits of the stash tips that no other ref reaches."""
    proc = run_git(["rev-list", *stash, "--not", "--exclude=refs/stash", "--all", "--"],
                   cwd, check=False)
    return set(proc.stdout.decode().split())


def locate_blobs(cwd: Path, blobs: set[str], base_revs: list[str] | None = None,
                 main_walk: MainWalk | None = None, *, stash: list[str] | None = None,
                 notes: bool = True) -> dict[str, list[Location]]:
    """blob -> the commits (and paths) that introduce it. Unfound blobs are absent.

    base_revs limits the walk (a range scan); None means the whole repository.
    main_walk: a walk over the same revs (MAIN_REVS or base_revs) started early.
    stash: the stash tips when the caller knows them (None: ask git); notes=False
    when there are no notes refs (their walk would find nothing).
    """
    if not blobs:
        if main_walk is not None:
            main_walk.cancel()
        return {}
    if main_walk is not None:
        found = main_walk.locations(blobs)
    else:
        found = log_find_objects(cwd, base_revs or MAIN_REVS, blobs, "blob")
    if base_revs is None:  # not a range (whose own commits are all it looks at)
        _locate_elsewhere(cwd, blobs, found, stash, notes)
    return with_headers(cwd, found)


def _locate_elsewhere(cwd: Path, blobs: set[str], found: dict[str, list[Location]],
                      stash: list[str] | None, notes: bool) -> None:
    """Blobs no branch, tag or other ref brings in: the stash, notes, reflogs."""
    remaining = blobs - found.keys()
    if remaining:
        tips = _stash_log(cwd) if stash is None else stash
        if tips:
            found.update(log_find_objects(cwd, tips, remaining, "stash"))
            remaining = blobs - found.keys()
    if remaining and notes:
        found.update(log_find_objects(cwd, ["--glob=refs/notes/*"], remaining, "note"))
        remaining = blobs - found.keys()
    if remaining:
        found.update(log_find_objects(
            cwd, ["--reflog"], remaining, "blob",
            "reachable only from reflogs (amended, rebased or reset commits)"))


def refs_containing(cwd: Path, commits: Iterable[str]) -> list[str]:
    """The refs whose history holds any of the commits."""
    args = ["for-each-ref", "--format=%(refname)"]
    args += [f"--contains={c}" for c in sorted(set(commits))]
    proc = run_git(args, cwd, check=False, no_fetch=True)
    if proc.returncode != 0:
        return []
    return [decode_path(r) for r in proc.stdout.split(b"\n") if r]


def tree_blobs(cwd: Path, rev: str = "HEAD", attributes: list[str] | None = None
               ) -> tuple[set[str], list[str]]:
    """Blob ids in rev's tree and the paths of its submodules (gitlinks).

    The blob ids of `.gitattributes` files are appended to `attributes` when given.
    """
    proc = run_git(["ls-tree", "-r", "-z", "--full-tree", rev], cwd, check=False,
                   no_fetch=True)
    blobs: set[str] = set()
    submodules: list[str] = []
    if proc.returncode != 0:
        return blobs, submodules
    for entry in proc.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, path = entry.partition(b"\t")
        _mode, kind, oid = meta.split(b" ")
        if kind == b"blob":
            blobs.add(oid.decode())
            if attributes is not None and path.rsplit(b"/", 1)[-1] == b".gitattributes":
                attributes.append(oid.decode())
        elif kind == b"commit":
            submodules.append(decode_path(path))
    return blobs, submodules
