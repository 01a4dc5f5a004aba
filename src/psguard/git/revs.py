"""What a checkout holds: whether a revision names a commit here, whether two commits
meet. The hooks and the CI gate ask before they scan a range, so that a range whose
ends are missing fails with advice instead of a rev-list error."""

from __future__ import annotations

from pathlib import Path

from psguard.git.runner import run_git

# Characters that cannot appear in a ref name, and so in a branch of a refspec.
_NOT_IN_BRANCH = frozenset(":?*[\\^~")


def revision_problem(rev: str) -> str | None:
    """Why rev cannot be handed to git as a revision, or None when it can: git would
    read a leading '-' as an option, and no revision holds whitespace or control
    characters."""
    if not rev:
        return "empty"
    if rev.startswith("-"):
        return "starts with '-'"
    if any(ch.isspace() or not ch.isprintable() for ch in rev):
        return "holds whitespace or control characters"
    return None


def branch_problem(name: str) -> str | None:
    """As revision_problem, for a branch name (or a ref name below refs/) that goes
    into a refspec: the rules of `git check-ref-format` that matter there."""
    problem = revision_problem(name)
    if problem:
        return problem
    if any(ch in _NOT_IN_BRANCH for ch in name) or ".." in name or "@{" in name:
        return "holds characters a branch name cannot"
    if any(not part or part.startswith((".", "-")) or part.endswith(".lock")
           for part in name.split("/")):
        return "has a part that is empty or starts with '.' or '-'"
    return None


def has_commit(root: Path, rev: str) -> bool:
    """rev (an object id or a ref name) names a commit this repository holds."""
    return commit_id(root, rev) is not None


def commit_id(root: Path, rev: str) -> str | None:
    """The id of the commit rev names, None when this repository holds no such commit."""
    # never a lazy fetch from a promisor remote: the CI gate fetches on its own terms
    proc = run_git(["rev-parse", "--verify", "--quiet", "--end-of-options",
                    f"{rev}^{{commit}}"], root, check=False, no_fetch=True)
    out = proc.stdout.decode(errors="replace").strip()
    return out if proc.returncode == 0 and out else None


def have_merge_base(root: Path, one: str, other: str) -> bool:
    """The history here reaches back to a commit both revisions descend from (in a
    shallow clone it may stop short of it)."""
    return run_git(["merge-base", "--end-of-options", one, other], root, check=False,
                   no_fetch=True).returncode == 0


def root_commits(root: Path, commits: list[str]) -> set[str]:
    """Those of commits that have no parent (`git rebase -i C^` cannot name their base)."""
    if not commits:
        return set()
    proc = run_git(["rev-list", "--no-walk", "--max-parents=0", *sorted(set(commits)), "--"],
                   root, check=False, no_fetch=True)
    return set(proc.stdout.decode().split()) if proc.returncode == 0 else set()
