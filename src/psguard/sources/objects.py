"""Scanning git objects: blobs, commit messages and annotated tag messages.

Shared by the history and range sources. A blob candidate first carries only its
blob id; `expand_located` turns it into one candidate per (commit, path) that
introduced the blob once locate.py has found them.
"""

from __future__ import annotations

from collections.abc import Callable

from psguard.config import Config
from psguard.engine.engine import Engine
from psguard.git.locate import Location, decode_path
from psguard.models import Candidate, Origin, Problem, Record


class CommitHeader(Record):
    __slots__ = ("author", "date", "timestamp", "tag_name", "target")

    def __init__(self, author: str | None = None, date: str | None = None,
                 timestamp: int = 0, tag_name: str | None = None,
                 target: str | None = None) -> None:
        self.author = author
        self.date = date
        self.timestamp = timestamp
        self.tag_name = tag_name
        self.target = target


def split_object(data: bytes) -> tuple[bytes, bytes]:
    """Header and message of a commit or tag object."""
    head, sep, message = data.partition(b"\n\n")
    return (head, message) if sep else (data, b"")


def parse_header(head: bytes) -> CommitHeader:
    info = CommitHeader()
    for line in head.split(b"\n"):
        name, _, value = line.partition(b" ")
        if name in (b"author", b"tagger"):
            who, _, when = value.rpartition(b"> ")
            info.author = decode_path(who + b">") if who else None
            stamp, _, tz = when.partition(b" ")
            try:
                info.timestamp = int(stamp)
                info.date = iso_date(info.timestamp, tz.decode(errors="replace"))
            except ValueError:
                pass
        elif name == b"tag":
            info.tag_name = decode_path(value)
        elif name == b"object":
            info.target = value.decode(errors="replace")
    return info


def iso_date(timestamp: int, tz: str) -> str:
    from datetime import datetime, timedelta, timezone

    try:
        sign = -1 if tz.startswith("-") else 1
        minutes = sign * (int(tz[1:3]) * 60 + int(tz[3:5]))
        zone = timezone(timedelta(minutes=minutes))
    except (ValueError, IndexError):
        zone = timezone.utc
    return datetime.fromtimestamp(timestamp, zone).isoformat()


class ObjectScanner(Record):
    """Scans one object's bytes by type; keeps what locating needs."""

    __slots__ = ("engine", "commit_times", "hits", "problems", "max_size", "too_large")

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
        self.max_size = max_size  # blobs above this are not read (max_file_size)
        self.too_large: list[str] = [] if too_large is None else too_large

    def scan(self, oid: str, kind: str, data: bytes) -> list[Candidate]:
        before = len(self.problems)
        found = self._scan(oid, kind, data)
        if found:
            self.hits.add(oid)
        for i in range(before, len(self.problems)):  # name the object, not just "blob"
            p = self.problems[i]
            if p.target.startswith("blob"):
                self.problems[i] = p.replace(target=f"blob {oid}{p.target[4:]}")
        return found

    def _scan(self, oid: str, kind: str, data: bytes) -> list[Candidate]:
        if kind == "blob":
            return self.engine.scan_bytes(data, Origin(kind="blob", blob=oid), self.problems)
        if kind not in ("commit", "tag"):
            return []
        head, message = split_object(data)
        if not self.engine.may_match(message):
            return []
        info = parse_header(head)
        if kind == "commit":
            self.commit_times[oid] = (info.timestamp, info.author, info.date)
            origin = Origin(kind="commit-message", commit=oid, author=info.author,
                            date=info.date)
        else:
            path = f"refs/tags/{info.tag_name}" if info.tag_name else None
            origin = Origin(kind="tag-message", path=path, commit=info.target,
                            author=info.author, date=info.date)
        return self.engine.scan_bytes(message, origin, self.problems)


def expand_located(cands: list[Candidate], located: dict[str, list[Location]],
                   unlocated_note: Callable[[str], str | None]) -> tuple[
                       list[Candidate], dict[str, tuple[int, int]], dict[str, list[str]]]:
    """Blob candidates -> one per location. Returns candidates, commit times, notes by blob."""
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
            origin = Origin(kind=loc.kind, path=loc.path, commit=loc.commit, blob=blob,
                            author=loc.author, date=loc.date,
                            decoded_from=cand.origin.decoded_from)
            out.append(cand.replace(origin=origin))
    return out, times, notes


def drop_excluded(cands: list[Candidate], config: Config) -> list[Candidate]:
    """Remove file locations (paths from the top) that the config excludes."""
    def file_path(c: Candidate) -> str | None:
        return c.origin.path if c.origin.kind in ("blob", "stash") else None

    paths = [p for p in map(file_path, cands) if p]
    kept = set(config.not_excluded(paths))
    return [c for c in cands if not file_path(c) or file_path(c) in kept]
