"""Which commits a push adds: those reachable from the pushed tips and from nothing the
remote already has (the remote-side commits this repository holds, and the tips of the
remote's tracking refs). That covers updates, new branches and force pushes."""

from __future__ import annotations

from pathlib import Path

from psguard.git.remote import remote_tips
from psguard.git.revs import has_commit


def is_zero(sha: str) -> bool:
    """git's "no object" id (any length: sha1 or sha256): a ref created or deleted."""
    return bool(sha) and set(sha) == {"0"}


def known_to_remote(root: Path, remote: str | None, remote_shas: list[str]) -> list[str]:
    """What the push need not scan: each remote-side sha that is a commit here, plus
    the remote's tracking tips; sorted, each once. Zero and empty shas (a new ref)
    name nothing."""
    have = {sha for sha in remote_shas if sha and not is_zero(sha) and has_commit(root, sha)}
    return sorted(have | set(remote_tips(root, remote)))
