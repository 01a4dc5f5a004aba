"""The objects a commit range adds, as rev-list names them (ranges, pre-push, CI)."""

from __future__ import annotations

from pathlib import Path

from psguard.errors import UsageError
from psguard.git.packlist import ObjectInfo
from psguard.git.runner import run_git


def resolve_range(root: Path, spec: str, shallow: bool) -> list[str]:
    """`A..B`, `A...B` or a single REV, resolved and checked: rev-list arguments."""
    spec = spec.strip()
    if not spec or spec.startswith("-"):
        raise UsageError(f"--range {spec!r}: expected A..B")
    proc = run_git(["rev-parse", "--revs-only", "--end-of-options", spec], root, check=False)
    revs = proc.stdout.decode().split()
    if proc.returncode != 0 or not revs:
        hint = " (this is a shallow clone: fetch more history)" if shallow else ""
        raise UsageError(f"--range {spec!r}: unknown revision{hint}")
    return revs


def range_objects(root: Path, revs: list[str]) -> tuple[list[ObjectInfo], list[str]]:
    """The blobs and commits the rev-list arguments `revs` add, each once (sizes
    unknown: 0), and the ids of those the repository lacks.

    `git rev-list --objects` names every blob the range's trees hold that the other
    side does not (a blob that appears only in a merge's resolution included).
    """
    if any(r.startswith("-") and r not in ("--not", "--all") for r in revs):
        raise UsageError(f"unsupported revision arguments: {' '.join(revs)}")
    # The type filter keeps blobs (and the objects named in revs) but drops the
    # range's other commits: their messages come from a plain rev-list.
    listing = run_git(["rev-list", "--objects", "--no-object-names", "--missing=print",
                       "--filter=object:type=blob", *revs, "--"], root, no_fetch=True)
    commits = run_git(["rev-list", *revs, "--"], root, no_fetch=True)
    tips = {r.lstrip("^") for r in revs}
    commit_ids = set(commits.stdout.decode().split())
    objects: list[ObjectInfo] = []
    missing: list[str] = []
    for line in dict.fromkeys((listing.stdout + commits.stdout).decode().split()):
        if line.startswith("?"):
            missing.append(line[1:])
        else:  # besides commits and blobs only an annotated tag named in revs
            kind = "commit" if line in commit_ids else "tag" if line in tips else "blob"
            objects.append(ObjectInfo(line, kind, 0))
    return objects, missing
