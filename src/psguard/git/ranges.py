"""The objects a commit range adds, as rev-list names them (ranges, pre-push, CI)."""

from __future__ import annotations

from pathlib import Path

from psguard.errors import NotARepositoryError, UsageError
from psguard.git.packlist import ObjectInfo
from psguard.git.runner import GitError, popen_git, run_git


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


def range_sides(root: Path, spec: str) -> tuple[str, list[str]]:
    """The base of `A..B` (the commit whose side is excluded; "" when nothing is, as
    for a single REV) and its tips: what a gate judges the range against."""
    try:
        revs = resolve_range(root, spec, False)
    except UsageError:
        if run_git(["rev-parse", "--git-dir"], root, check=False).returncode != 0:
            raise NotARepositoryError(f"{root}: not a git repository (run inside a "
                                      "repository or pass its path)") from None
        raise
    bases = [r[1:] for r in revs if r.startswith("^")]
    return (bases[0] if bases else ""), [r for r in revs if not r.startswith("^")]


def range_objects(root: Path, revs: list[str]) -> tuple[list[ObjectInfo], list[str]]:
    """The blobs and commits the rev-list arguments `revs` add, each once (sizes
    unknown: 0), and the ids of those the repository lacks.

    `git rev-list --objects` names every blob the range's trees hold that the other
    side does not (a blob that appears only in a merge's resolution included).
    """
    # `--not --all` (what no ref has: a push being received) is the one option taken
    excluding = revs.index("--not") if "--not" in revs else len(revs)
    if any(r.startswith("-") and r != "--not" and not (r == "--all" and i > excluding)
           for i, r in enumerate(revs)):
        raise UsageError(f"unsupported revision arguments: {' '.join(revs)}")
    # The type filter keeps blobs (and the objects named in revs) but drops the
    # range's other commits: their messages come from a plain rev-list.
    # Both walks run at once: each costs tens of ms on a large repository (reading the
    # excluded tips' commits, and for the objects their trees), and they do not wait on
    # each other. The commit listing is read after the object listing: it waits on a
    # full pipe meanwhile, never the other way round.
    commit_walk = popen_git(["rev-list", *revs, "--"], root, stderr=False)
    try:
        listing = run_git(["rev-list", "--objects", "--no-object-names", "--missing=print",
                           "--filter=object:type=blob", *revs, "--"], root, no_fetch=True)
        commit_out, _ = commit_walk.communicate()
    finally:
        if commit_walk.poll() is None:
            commit_walk.kill()
            commit_walk.wait()
    if commit_walk.returncode != 0:
        raise GitError(f"git rev-list failed (exit {commit_walk.returncode})")
    tips = {r.lstrip("^") for r in revs}
    commit_ids = set(commit_out.decode().split())
    objects: list[ObjectInfo] = []
    missing: list[str] = []
    for line in dict.fromkeys((listing.stdout + commit_out).decode().split()):
        if line.startswith("?"):
            missing.append(line[1:])
        else:  # besides commits and blobs only an annotated tag named in revs
            kind = "commit" if line in commit_ids else "tag" if line in tips else "blob"
            objects.append(ObjectInfo(line, kind, 0))
    return objects, missing
