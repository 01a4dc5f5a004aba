"""The exposure stage: how far each finding's key has travelled (the levels are described
in stages/classify.py).

Git is asked once for all findings (git/reach.py): the index's and every commit's
version of the files that hold keys, then one walk for the reach of every commit that
holds one. Each finding is then classified from those facts alone (classify.py) and
returned as a new finding; the findings given are not changed.
"""

from __future__ import annotations

import os
from pathlib import Path

from psguard.git.reach import PathVersions, ReachReader
from psguard.git.runner import GitError
from psguard.git.snapshot import RepoSnapshot
from psguard.models import Exposure, ExposureDetail, Finding
from psguard.stages.classify import classify, commits_to_ask, file_paths, notes_to_ask, trace

_MAX_PATHS = 200  # file paths traced through history per scan


def assess(findings: list[Finding], *, mode: str, snapshot: RepoSnapshot | None,
           scanned: Path | None) -> list[Finding]:
    """The findings with exposure, exposure_detail, first_seen and notes set.

    snapshot: the repository scanned (None outside git, and for standard input);
    scanned: the path the scan was given (work-tree locations are relative to it).
    """
    if mode == "stdin":
        return [f.replace(exposure=None) for f in findings]
    if mode == "pre-receive" and snapshot is not None:
        return being_received(findings, snapshot)
    if snapshot is None:
        # files outside git: not committed anywhere, and no git advice applies
        outside = ExposureDetail()
        outside.remote_state = "outside-git"
        return [f.replace(exposure="working-tree", exposure_detail=outside)
                for f in findings]
    if not _has_commits_to_ask(snapshot, mode):
        return [f.replace(exposure="working-tree") for f in findings]
    if not findings:
        return []
    try:
        return _assess_in_repo(findings, mode, snapshot, scanned)
    except GitError as exc:  # exposure is advice: never fail a scan over it
        return [f.replace(notes=[*f.notes, f"exposure could not be traced in git: {exc}"])
                for f in findings]


def being_received(findings: list[Finding], snapshot: RepoSnapshot) -> list[Finding]:
    """A push the server is receiving (the pre-receive hook): the key is in commits only
    the pusher has, since the server keeps them in quarantine until the hook lets them
    in. So they are `local`: the pusher can still rewrite them. No ref reaches them,
    so git is asked only which of them are root commits (for the rebase advice)."""
    from psguard.git.revs import root_commits

    held = [_pushed_commits(f) for f in findings]
    roots = root_commits(snapshot.root, sorted({c for cs in held for c in cs}))
    out = []
    for f, commits in zip(findings, held, strict=True):
        d = ExposureDetail(repo_dir=None)
        d.local_commits = list(commits)
        d.commits = list(commits)
        d.root_commits = [c for c in commits if c in roots]
        d.paths = list(dict.fromkeys(c.origin.path for c in f.candidates
                                     if c.origin.kind == "blob" and c.origin.path))
        d.tags = list(dict.fromkeys(c.origin.path.removeprefix("refs/tags/")
                                    for c in f.candidates
                                    if c.origin.kind == "tag-message" and c.origin.path))
        out.append(f.replace(exposure=Exposure.LOCAL, exposure_detail=d))
    return out


def _pushed_commits(f: Finding) -> list[str]:
    """The commits that bring the key (a tag message's target commit does not), the
    first one seen first, then by date."""
    first = (f.first_seen or {}).get("commit")
    dated = {c.origin.commit: c.origin.date or "" for c in f.candidates
             if c.origin.commit and c.origin.kind in ("blob", "commit-message")}
    return sorted(dated, key=lambda c: (c != first, dated[c], c))


def _has_commits_to_ask(snapshot: RepoSnapshot, mode: str) -> bool:
    if snapshot.work_tree:
        return True
    # A bare repository (a mirror, a server-side hook): git works, no work tree.
    return snapshot.bare and mode not in ("worktree", "staged")


def _assess_in_repo(findings: list[Finding], mode: str, snapshot: RepoSnapshot,
                    scanned: Path | None) -> list[Finding]:
    top = snapshot.root
    # A bare repository is named as it was given (the directory name advice uses).
    repo_dir = top.name if snapshot.work_tree else _base(scanned).name
    top_paths = {c.origin.path: _rel_to_top(top, scanned, c.origin.path)
                 for f in findings for c in f.candidates
                 if c.origin.kind == "file" and c.origin.path}
    reader = ReachReader(snapshot)
    # 1. Files (work tree, or the index in staged scans): trace each path through history.
    paths = sorted({p for f in findings for p in file_paths(f, mode, top_paths)})
    traced_paths, untraced = paths[:_MAX_PATHS], max(0, len(paths) - _MAX_PATHS)
    versions = reader.path_versions(traced_paths) if traced_paths else PathVersions()
    traced = [trace(f, mode, top_paths, versions) for f in findings]
    # 2. Reachability of every commit that holds a key.
    commits: set[str] = set()
    notes: set[str] = set()
    for f, t in zip(findings, traced, strict=True):
        commits |= commits_to_ask(f, t)
        notes |= notes_to_ask(f)
    reach = reader.reach(commits, notes)
    out = []
    for f, t in zip(findings, traced, strict=True):
        a = classify(f, mode, reach, t, top_paths=top_paths, repo_dir=repo_dir)
        more = a.notes
        if untraced:
            more = [*more, f"{untraced} file path(s) were not traced through history "
                           "(too many); run psguard scan --history for the full picture"]
        out.append(f.replace(exposure=a.exposure, exposure_detail=a.detail,
                             first_seen=a.first_seen or f.first_seen,
                             notes=[*f.notes, *more]))
    return out


def _base(scanned: Path | None) -> Path:
    if scanned is None:
        return Path(".")
    return scanned if scanned.is_dir() else scanned.parent


def _rel_to_top(top: Path, scanned: Path | None, path: str) -> str:
    """A location path (relative to the scanned directory) as a path from the top level."""
    if scanned is None:
        return path
    try:
        rel = os.path.relpath(os.path.join(os.path.realpath(_base(scanned)), path),
                              os.path.realpath(top))
    except ValueError:
        return path
    return rel.replace(os.sep, "/")
