"""Which commits a push adds: those reachable from the pushed tips and from nothing the
remote already has (the remote-side commits this repository holds, and the tips of the
remote's tracking refs). That covers updates, new branches and force pushes."""

from __future__ import annotations

from pathlib import Path

from psguard.git.remote import remote_tips
from psguard.git.revs import has_commit
from psguard.git.runner import run_git


def is_zero(sha: str) -> bool:
    """git's "no object" id (any length: sha1 or sha256): a ref created or deleted."""
    return bool(sha) and set(sha) == {"0"}


def known_to_remote(root: Path, remote: str | None, remote_shas: list[str]) -> list[str]:
    """What the push need not scan: each remote-side sha that is a commit here, plus
    the remote's tracking tips; sorted, each once. Zero and empty shas (a new ref)
    name nothing."""
    have = {sha for sha in remote_shas if sha and not is_zero(sha) and has_commit(root, sha)}
    return sorted(have | set(remote_tips(root, remote)))


def received_by(root: Path, tips: list[str]) -> dict[str, str]:
    """For a push being received: each new commit (reachable from the pushed tips and
    from no ref yet) -> the tip it was reached from first, in one walk."""
    if not tips:
        return {}
    proc = run_git(["log", "--source", "--format=%H %S", *dict.fromkeys(tips), "--not",
                    "--all", "--"], root, check=False, no_fetch=True)
    found: dict[str, str] = {}
    for line in proc.stdout.decode(errors="replace").splitlines():
        commit, _, tip = line.partition(" ")
        if commit and tip:
            found[commit] = tip
    return found
