"""How far each finding's key has travelled: working-tree, staged, local or pushed.

A finding's exposure is the furthest place any of its copies has reached:

- ``working-tree``: only in files on disk that git has not been given (or outside git);
- ``staged``: in the index, not in any commit;
- ``local``: in commits that no remote-tracking ref (``refs/remotes/*``) reaches;
- ``pushed``: in a commit reachable from a remote-tracking ref, or, in a repository with
  no remote-tracking refs at all (a CI checkout, a mirror), from any ref but the stash.
- ``None`` (JSON ``null``): the scan read standard input; psguard cannot know where the
  text came from, so it claims nothing.

A working-tree or staged scan only reads files, but the same key often sits in the
committed version of the file too. So for every file that holds a key, the exposure
stage also looks at the index and at every commit that changed that path (any ref), and
the exposure is the furthest of them: a key in ``config.py`` that was pushed last week
and is still in the file today is ``pushed``, not ``working-tree``. (A key that was
committed under a different path is found by ``psguard scan --history``, not here.)

Keys that no branch holds get ``exposure_detail.only_in``: ``stash`` (stashes are never
pushed), ``tag`` (tags are not tracked per remote, so psguard cannot tell whether the tag
was pushed; the finding says how to check) or ``note`` (notes refs are pushed only on
request). Such keys are ``local`` unless a remote-tracking ref reaches them.

This module is the classification: a pure function of a finding and the facts git gave
(git/reach.py: Reach, PathVersions), with no git and no I/O, so every rule is tested
without a repository (tests/unit/test_exposure_classify.py). stages/exposure.py asks git
once for all findings and builds the new findings; nothing runs when a scan found
nothing, so clean hook runs pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Mapping

from psguard.git.reach import PathVersions, Reach
from psguard.models import EXPOSURE_ORDER, Candidate, ExposureDetail, Finding, Origin, Record


class Traced(Record):
    """What the index's and the commits' versions of a finding's files hold."""

    __slots__ = ("held", "staged", "untracked")

    def __init__(self, held: set[str] | None = None, staged: set[str] | None = None,
                 untracked: set[str] | None = None) -> None:
        self.held: set[str] = held or set()  # commits whose version of a file holds the key
        self.staged: set[str] = staged or set()  # paths whose index version holds it
        self.untracked: set[str] = untracked or set()  # paths not in the index


class Assessment(Record):
    """classify's answer for one finding."""

    __slots__ = ("exposure", "detail", "first_seen", "notes")

    def __init__(self, exposure: str, detail: ExposureDetail,
                 first_seen: dict[str, str | None] | None, notes: list[str]) -> None:
        self.exposure = exposure
        self.detail = detail
        self.first_seen = first_seen  # None: keep the finding's own
        self.notes = notes  # to append to the finding's notes


# --- which files and commits to ask git about ---------------------------------------

def is_file_location(c: Candidate, mode: str) -> bool:
    """A file of the work tree, or of the index in a staged scan."""
    if c.origin.kind == "file":
        return True
    return mode == "staged" and c.origin.kind == "blob" and not c.origin.commit


def location_path(c: Candidate, top_paths: Mapping[str, str]) -> str | None:
    """Work-tree paths are relative to the scanned directory (top_paths maps them to
    paths from the top level); git paths are from the top already."""
    if not c.origin.path:
        return None
    if c.origin.kind == "file":
        return top_paths.get(c.origin.path, c.origin.path)
    return c.origin.path


def file_paths(f: Finding, mode: str, top_paths: Mapping[str, str]) -> list[str]:
    """The files (paths from the top) that hold f's key: traced through history."""
    out: list[str] = []
    for c in f.candidates:
        rel = location_path(c, top_paths)
        if rel and is_file_location(c, mode) and rel not in out:
            out.append(rel)
    return out


def trace(f: Finding, mode: str, top_paths: Mapping[str, str],
          versions: PathVersions) -> Traced:
    """Which committed and staged versions of f's files hold its key."""
    key = f.secret.encode()
    t = Traced()
    for path in file_paths(f, mode, top_paths):
        if key in versions.index.get(path, b""):
            t.staged.add(path)
        if path not in versions.index:
            t.untracked.add(path)
        t.held.update(commit for commit, data in versions.versions.get(path, ())
                      if key in data)
    return t


def commits_to_ask(f: Finding, traced: Traced) -> set[str]:
    """Commits whose reach decides f's exposure (notes and tag messages aside)."""
    out = {c.origin.commit for c in f.candidates
           if c.origin.commit and c.origin.kind not in ("tag-message", "note")}
    return out | traced.held


def notes_to_ask(f: Finding) -> set[str]:
    """Notes commits holding f's key: asked which notes refs hold them."""
    return {c.origin.commit for c in f.candidates
            if c.origin.kind == "note" and c.origin.commit}


# --- classification --------------------------------------------------------------

class _Tally:
    """The classification of one finding as its locations are read."""

    __slots__ = ("detail", "level", "places", "commits")

    def __init__(self, detail: ExposureDetail, commits: set[str]) -> None:
        self.detail = detail
        self.level = "working-tree"
        self.places: list[str] = []  # where each copy is, for only_in: branch|stash|tag|…
        self.commits = commits

    def bump(self, to: str) -> None:
        if EXPOSURE_ORDER[to] > EXPOSURE_ORDER[self.level]:
            self.level = to


def classify(f: Finding, mode: str, reach: Reach, traced: Traced, *,
             top_paths: Mapping[str, str] | None = None,
             repo_dir: str | None = None) -> Assessment:
    """f's exposure, its detail, its first commit (when f has none) and notes."""
    t = _Tally(ExposureDetail(remote=None if reach.local_only else reach.remote,
                              repo_dir=repo_dir), set(traced.held))
    t.detail.remote_state = ("none" if reach.local_only else
                             "untracked" if reach.no_remotes else "tracked")
    for c in f.candidates:
        _locate(t, c, mode, reach, traced.staged, top_paths or {})
    _weigh_commits(t, reach, traced.held)
    # Oldest first by author time: the first appearance of the key.
    dated = sorted((reach.stamp.get(c, 0), c) for c in t.commits if c in reach.meta)
    _order_commits(t, reach, [c for _, c in dated])
    d = t.detail
    d.published_by = published_by(d, t.level, reach)
    first_seen: dict[str, str | None] | None = None
    if dated and (f.first_seen is None or not f.first_seen.get("commit")):
        first = dated[0][1]
        author, date = reach.meta[first]
        first_seen = {"commit": first, "author": author, "date": date}
    return Assessment(t.level, d, first_seen, _notes(d, t.level, mode, traced))


def _locate(t: _Tally, c: Candidate, mode: str, reach: Reach, staged: set[str],
            top_paths: Mapping[str, str]) -> None:
    o = c.origin
    if is_file_location(c, mode):
        _file(t, location_path(c, top_paths), mode, staged)
    elif o.kind == "tag-message":
        _tag_message(t, o, reach)
    elif o.kind == "note":
        _note(t, o, reach)
    elif o.kind == "blob" and not o.commit:
        # In the object store but in no commit any ref or reflog reaches (dropped
        # stashes, `git add` then unstaged, pruned branches): never pushed from here.
        t.bump("local")
        t.places.append("unreachable")
    elif o.commit:
        _commit(t, o, o.commit, reach)
    else:
        t.places.append("branch")


def _file(t: _Tally, rel: str | None, mode: str, staged: set[str]) -> None:
    d = t.detail
    if rel and rel not in d.paths:
        d.paths.append(rel)
    if mode == "staged" or rel in staged:
        t.bump("staged")
        if rel and rel not in d.staged_paths:
            d.staged_paths.append(rel)
    t.places.append("branch")


def _tag_message(t: _Tally, o: Origin, reach: Reach) -> None:
    # The history source gives the tag's ref as path and its target as commit.
    name = (o.path or "").removeprefix("refs/tags/")
    if name and name not in t.detail.tags:
        t.detail.tags.append(name)
        _tag_oid(t.detail, name, reach)
    t.bump("pushed" if reach.no_remotes else "local")
    t.places.append("tag")


def _note(t: _Tally, o: Origin, reach: Reach) -> None:
    # path: the annotated object's id inside the notes tree (maybe fanned out as
    # ab/cdef…); commit: the notes commit that holds it.
    d = t.detail
    refs = reach.refs_containing(o.commit, "refs/notes") if o.commit else []
    for ref in refs or reach.notes_refs[:1] or ["refs/notes/commits"]:
        if ref not in d.notes_refs:
            d.notes_refs.append(ref)
    target = (o.path or "").replace("/", "")
    if target and target not in d.note_targets:
        d.note_targets.append(target)
    pushed_note = reach.no_remotes or any(
        r.startswith("refs/remotes/") and "notes" in r for r in reach.remote_refs)
    t.bump("pushed" if pushed_note else "local")
    t.places.append("note")


def _commit(t: _Tally, o: Origin, commit: str, reach: Reach) -> None:
    t.commits.add(commit)
    if o.path and o.kind in ("blob", "stash") and o.path not in t.detail.paths:
        t.detail.paths.append(o.path)
    t.places.append("stash" if o.kind == "stash" or _stashed(commit, reach)
                    else _place(commit, reach))


def _stashed(commit: str, reach: Reach) -> bool:
    """Part of a stash entry and not published some other way."""
    return commit in reach.stash_of and commit not in reach.published


def _place(commit: str, reach: Reach) -> str:
    """Where a commit outside the stash is, for only_in."""
    if commit in reach.tag_only:
        return "tag"
    if commit in reach.off_branch:
        return "reflog"
    return "branch"


def _weigh_commits(t: _Tally, reach: Reach, held: set[str]) -> None:
    d = t.detail
    for commit in sorted(t.commits):  # sorted: stashes and tags in a stable order
        if commit in reach.published:
            t.bump("pushed")
        elif commit in reach.unpublished:
            t.bump("local")
        if _stashed(commit, reach):
            stash = reach.stash_of[commit]
            if stash not in d.stashes:
                d.stashes.append(stash)
            if commit in held:
                t.places.append("stash")
        elif commit in held:
            t.places.append(_place(commit, reach))
        if commit in reach.tag_only:
            for ref in reach.refs_containing(commit, "refs/tags"):
                name = ref.removeprefix("refs/tags/")
                if name not in d.tags:
                    d.tags.append(name)
                    _tag_oid(d, name, reach)


def _tag_oid(d: ExposureDetail, name: str, reach: Reach) -> None:
    if name in reach.tag_oids:
        d.tag_oids[name] = reach.tag_oids[name]


def _order_commits(t: _Tally, reach: Reach, commits: list[str]) -> None:
    """The detail's commit lists (oldest first), HEAD and only_in."""
    d = t.detail
    d.commits = commits
    d.local_commits = [c for c in commits if c in reach.unpublished
                       and c not in reach.stash_of and c not in reach.tag_only
                       and c not in reach.off_branch]
    d.root_commits = [c for c in d.local_commits if not reach.parents.get(c)]
    if reach.head and reach.head in t.commits:
        d.head = reach.head
    kinds = set(t.places)
    if kinds and "branch" not in kinds:
        d.only_in = sorted(kinds)


def published_by(d: ExposureDetail, level: str, reach: Reach) -> str | None:
    """The remote-tracking ref to name as publishing the key, "no-remotes", or None."""
    pushed = [c for c in d.commits if c in reach.published]
    if not pushed:
        return "no-remotes" if level == "pushed" and reach.no_remotes else None
    if reach.no_remotes:
        return "no-remotes"
    if reach.primary and any(c in reach.in_primary for c in pushed):
        return reach.primary.removeprefix("refs/remotes/")
    refs = reach.refs_containing(pushed[0], "refs/remotes")
    return refs[0].removeprefix("refs/remotes/") if refs else "a remote-tracking ref"


def _notes(d: ExposureDetail, level: str, mode: str, traced: Traced) -> list[str]:
    notes: list[str] = []
    if mode in ("worktree", "staged") and traced.held and level in ("local", "pushed"):
        beyond = f"so it has travelled beyond the {'index' if mode == 'staged' else 'working tree'}"
        tracked = [p for p in d.paths if p not in traced.untracked]
        if tracked or not d.paths:
            notes.append(f"the committed version of {', '.join(tracked) or 'this file'} "
                         f"also holds this key, {beyond}")
        else:  # untracked now: only an earlier commit had the file
            notes.append(f"{', '.join(d.paths)} is not tracked now, but an earlier commit "
                         f"of it held this key, {beyond}")
    # (a remote's mirror, which psguard made itself, is published by definition)
    if d.published_by == "no-remotes" and level == "pushed" and mode != "remote":
        notes.append("this repository has a remote (or is bare) but no remote-tracking "
                     "refs (a mirror, a CI checkout or a server's copy?): every commit is "
                     "treated as published")
    if d.remote_state == "none" and level == "local":
        notes.append("this repository has no remote configured (a local repository): "
                     "nothing in it was pushed from here")
    if "stash" in d.only_in and len(d.only_in) == 1:
        notes.append(f"only in a stash ({', '.join(d.stashes) or 'refs/stash'}): "
                     "stashes are never pushed, but they keep the key in .git")
    if "tag" in d.only_in:
        notes.append(f"only reachable from tag(s) {', '.join(d.tags) or '?'}, not from "
                     "any branch: tags are pushed separately, so psguard cannot tell "
                     "whether a remote has them")
    if d.only_in and set(d.only_in) <= {"reflog", "unreachable"}:
        notes.append("only in objects no branch, tag or stash holds any more (amended, "
                     "rebased, reset or dropped): they stay in .git until git prunes them")
    if "note" in d.only_in:
        notes.append(f"only in git notes ({', '.join(d.notes_refs)}): notes are pushed "
                     "only when someone pushes the notes ref")
    return notes
