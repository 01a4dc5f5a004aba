"""What a checkout holds: whether a revision names a commit here, whether two commits
meet. The hooks and the CI gate ask before they scan a range, so that a range whose
ends are missing fails with advice instead of a rev-list error."""

from __future__ import annotations

from pathlib import Path

from psguard.git.runner import run_git


def has_commit(root: Path, rev: str) -> bool:
    """rev (an object id or a ref name) names a commit this repository holds."""
    proc = run_git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root,
                   check=False)
    return proc.returncode == 0


def have_merge_base(root: Path, one: str, other: str) -> bool:
    """The history here reaches back to a commit both revisions descend from (in a
    shallow clone it may stop short of it)."""
    return run_git(["merge-base", one, other], root, check=False).returncode == 0
