"""What this repository knows a remote has: its remote-tracking refs, as last fetched."""

from __future__ import annotations

import os
from pathlib import Path

from psguard.git.runner import run_git
from psguard.models import FrozenRecord


class TrackingRef(FrozenRecord):
    """A remote-tracking ref (refs/remotes/<remote>/<branch>) and the commit it names."""

    __slots__ = ("name", "oid")

    def __init__(self, name: str, oid: str) -> None:
        self.name = name
        self.oid = oid


def tracking_refs(root: Path, remote: str) -> list[TrackingRef]:
    """The remote's tracking refs, sorted by name (its symbolic HEAD included); none
    when git cannot list them."""
    proc = run_git(["for-each-ref", "--format=%(refname) %(objectname)",
                    f"refs/remotes/{remote}/"], root, check=False)
    if proc.returncode != 0:
        return []
    refs = []
    for line in os.fsdecode(proc.stdout).splitlines():
        fields = line.split()
        if len(fields) == 2:
            refs.append(TrackingRef(fields[0], fields[1]))
    return refs


def remote_tips(root: Path, remote: str | None) -> list[str]:
    """Commits the remote's tracking refs point at (what we know the remote has),
    sorted, each once."""
    if not remote or "/" in remote or ":" in remote:
        return []  # pushing to a URL: no tracking refs to trust
    return sorted({ref.oid for ref in tracking_refs(root, remote)})
