"""Scanning git objects: blobs, commit messages and annotated tag messages.

Shared by the history and range sources. A blob candidate first carries only its
blob id; `expand_located` turns it into one candidate per (commit, path) that
introduced the blob once locate.py has found them.
"""

from __future__ import annotations

from collections.abc import Callable

from psguard.config import Config
from psguard.engine.engine import Engine
from psguard.git.headers import parse_header
from psguard.git.locate import Location
from psguard.models import Candidate, Origin, Problem, Record
from psguard.sources.partial import edge_size, scan_edges, too_large_problem


def split_object(data: bytes) -> tuple[bytes, bytes]:
    """Header and message of a commit or tag object."""
    head, sep, message = data.partition(b"\n\n")
    return (head, message) if sep else (data, b"")


def header_problem(kind: str, oid: str, detail: str | None) -> Problem | None:
    """The warning for a malformed header: not incomplete, its bytes were all scanned."""
    if detail is None:
        return None
    return Problem("warning", f"{kind} {oid}", detail, incomplete=False)


class ObjectScanner(Record):
    """Scans one object's bytes by type; keeps what locating needs."""

    __slots__ = ("engine", "commit_times", "hits", "problems", "max_size", "too_large",
                 "problem_objects")

    def __init__(self, engine: Engine,
                 commit_times: dict[str, tuple[int, str | None, str | None]] | None = None,
                 hits: set[str] | None = None, problems: list[Problem] | None = None,
                 max_size: int | None = None, too_large: list[str] | None = None) -> None:
        self.engine = engine
        self.commit_times: dict[str, tuple[int, str | None, str | None]] = (
            {} if commit_times is None else commit_times)
        self.hits: set[str] = set() if hits is None else hits  # ids of objects with hits
        # decode limits that were hit
        self.problems: list[Problem] = [] if problems is None else problems
        # blobs above this are read at their ends only (max_file_size, partial.py)
        self.max_size = max_size
        self.too_large: list[str] = [] if too_large is None else too_large
        # objects whose scan had problems: never cached as clean; blobs are located to
        # name them in the problems
        self.problem_objects: set[str] = set()

    @property
    def edge(self) -> int:
        """Bytes read at each end of a blob above max_size (partial.py)."""
        return 0 if self.max_size is None else edge_size(self.max_size)

    def scan(self, oid: str, kind: str, data: bytes) -> list[Candidate]:
        before = len(self.problems)
        found = self._scan(oid, kind, data)
        return self._named(oid, before, found)

    def scan_ends(self, oid: str, size: int, head: bytes, tail: bytes) -> list[Candidate]:
        """A blob above max_size: its first and last pieces, and a problem saying so."""
        assert self.max_size is not None
        self.too_large.append(oid)
        self.problems.append(too_large_problem("blob", size, self.max_size, self.edge))
        before = len(self.problems) - 1
        found = scan_edges(self.engine, head, tail, size, Origin(kind="blob", blob=oid),
                           self.problems)
        return self._named(oid, before, found)

    def _named(self, oid: str, before: int, found: list[Candidate]) -> list[Candidate]:
        if found:
            self.hits.add(oid)
        if len(self.problems) > before:  # read again next time: the problem stays
            self.problem_objects.add(oid)
        for i in range(before, len(self.problems)):  # name the object, not just "blob"
            p = self.problems[i]
            if p.target.startswith("blob"):
                self.problems[i] = p.replace(target=f"blob {oid}{p.target[4:]}")
        return found

    def _scan(self, oid: str, kind: str, data: bytes) -> list[Candidate]:
        if kind == "blob":
            return self.engine.scan_gated(data, Origin(kind="blob", blob=oid), self.problems)
        if kind not in ("commit", "tag"):
            return []
        head, message = split_object(data)
        if not self.engine.may_match(message):
            return []
        info = parse_header(head, kind)
        if kind == "commit":
            self.commit_times[oid] = (info.time, info.author, info.date)
            origin = Origin(kind="commit-message", commit=oid, author=info.author,
                            date=info.date)
        else:
            path = f"refs/tags/{info.tag_name}" if info.tag_name else None
            origin = Origin(kind="tag-message", path=path, commit=info.target,
                            author=info.author, date=info.date)
        found = self.engine.scan_bytes(message, origin, self.problems)
        problem = header_problem(kind, oid, info.problem_detail())
        if found and problem is not None:  # a warning where it matters: with a finding
            self.problems.append(problem)
        return found


def expand_located(cands: list[Candidate], located: dict[str, list[Location]],
                   unlocated_note: Callable[[str], str | None],
                   problems: list[Problem]) -> tuple[
                       list[Candidate], dict[str, tuple[int, int]], dict[str, list[str]]]:
    """Blob candidates -> one per location. Returns candidates, commit times, notes by
    blob; a warning for each located commit with a malformed header goes to problems
    (once, also when the commit's message was scanned too)."""
    out: list[Candidate] = []
    times: dict[str, tuple[int, int]] = {}
    notes: dict[str, list[str]] = {}
    for cand in cands:
        blob = cand.origin.blob
        if cand.origin.kind != "blob" or blob is None or cand.origin.commit is not None:
            out.append(cand)
            continue
        locs = located.get(blob)
        if not locs:
            note = unlocated_note(blob)
            if note:
                notes.setdefault(blob, []).append(note)
            out.append(cand)
            continue
        for loc in locs:
            times[loc.commit] = (loc.timestamp, -loc.order)
            if loc.note:
                notes.setdefault(blob, []).append(loc.note)
            problem = header_problem("commit", loc.commit, loc.malformed)
            if problem is not None and problem not in problems:
                problems.append(problem)
            origin = Origin(kind=loc.kind, path=loc.path, commit=loc.commit, blob=blob,
                            author=loc.author, date=loc.date,
                            decoded_from=cand.origin.decoded_from)
            out.append(cand.replace(origin=origin))
    return out, times, notes


def name_blobs(problems: list[Problem], located: dict[str, list[Location]]) -> None:
    """`blob <id>` in problem targets -> `<path> in commit <c> (blob <id>)`, for the
    blobs located (the first commit that brought each), so a user knows the file."""
    for i, p in enumerate(problems):
        head, _, rest = p.target.partition(" ")
        oid, _, how = rest.partition(" ")
        locs = located.get(oid) if head == "blob" else None
        if locs:
            loc = locs[0]
            named = f"{loc.path} in commit {loc.commit[:12]} (blob {oid[:12]})"
            problems[i] = p.replace(target=f"{named} {how}".rstrip())


def drop_excluded(cands: list[Candidate], config: Config) -> list[Candidate]:
    """Remove file locations (paths from the top) that the config excludes."""
    def file_path(c: Candidate) -> str | None:
        return c.origin.path if c.origin.kind in ("blob", "stash") else None

    paths = [p for p in map(file_path, cands) if p]
    kept = set(config.not_excluded(paths))
    return [c for c in cands if not file_path(c) or file_path(c) in kept]
