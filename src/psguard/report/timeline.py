"""When a key was seen: the commits that brought it, oldest first (the HTML report's
timeline). Pure: read from a finding's locations and its first_seen (stages/git_facts)."""

from __future__ import annotations

from datetime import datetime

from psguard.models import Finding


class Seen:
    """One commit that brought the key: when, by whom, where."""

    __slots__ = ("commit", "date", "author", "paths")

    def __init__(self, commit: str, date: str | None, author: str | None,
                 paths: list[str]) -> None:
        self.commit = commit
        self.date = date
        self.author = author
        self.paths = paths


def _moment(date: str | None) -> datetime | None:
    if not date:
        return None
    try:  # git's strict ISO 8601 (%aI); a malformed header may leave anything
        return datetime.fromisoformat(date.replace("Z", "+00:00"))
    except ValueError:
        return None


def timeline(f: Finding) -> list[Seen]:
    """Each commit holding the key once, by date; git_facts' first commit (by commit
    graph) leads; commits whose date cannot be read come last."""
    by_commit: dict[str, Seen] = {}
    for c in f.candidates:
        o = c.origin
        if not o.commit:
            continue
        seen = by_commit.setdefault(o.commit, Seen(o.commit, o.date, o.author, []))
        where = o.path or o.kind
        if where not in seen.paths:
            seen.paths.append(where)
    first = (f.first_seen or {}).get("commit")
    order = list(by_commit.values())

    def key(item: tuple[int, Seen]) -> tuple[int, float, int]:
        index, s = item
        if s.commit == first:
            return (0, 0.0, index)
        moment = _moment(s.date)
        if moment is None:
            return (2, 0.0, index)
        return (1, moment.timestamp(), index)

    return [s for _i, s in sorted(enumerate(order), key=key)]


def last_seen(f: Finding) -> Seen | None:
    """The most recent commit that brought the key (by date), None outside history."""
    dated = [s for s in timeline(f) if _moment(s.date) is not None]
    return dated[-1] if dated else None
