"""The work tree's files as git sees them."""

from __future__ import annotations

import os
from pathlib import Path

from psguard.git.runner import run_git


def tracked_and_untracked(root: Path) -> list[str]:
    """Tracked files plus untracked ones no ignore rule covers, under root, relative to
    it ('/'-separated), each once (a file in conflict is listed once per stage)."""
    out = run_git(["ls-files", "-z", "--cached", "--others", "--exclude-standard",
                   "--", "."], root).stdout
    seen: dict[str, None] = {}
    for raw in out.split(b"\0"):
        if raw:
            seen[os.fsdecode(raw)] = None
    return list(seen)
