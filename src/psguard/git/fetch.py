"""Fetching what a CI checkout lacks from its remote: a commit, a branch, more history.

CI systems clone shallow by default, so a range's base (or the branch a new branch is
compared with) may be missing. Every fetch says whether it worked and whether the
checkout is still shallow afterwards: deepening can reach the root commit, and only a
fetch changes that. Nothing is printed here; `announce` lets the caller say what runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from psguard.git.runner import run_git
from psguard.models import FrozenRecord

# Told the arguments after `git fetch` (e.g. ["--deepen=50", "origin", sha]) before
# the fetch runs: a fetch can take a while, and a CI log should say why.
Announce = Callable[[list[str]], None]


class Fetched(FrozenRecord):
    """How a fetch went: whether git succeeded, and the checkout's shallow state after."""

    __slots__ = ("ok", "shallow")

    def __init__(self, ok: bool, shallow: bool) -> None:
        self.ok = ok
        self.shallow = shallow


def is_shallow(root: Path) -> bool:
    out = run_git(["rev-parse", "--is-shallow-repository"], root, check=False).stdout
    return out.strip() == b"true"


def fetch(root: Path, remote: str, refspecs: list[str], *,
          announce: Announce | None = None) -> Fetched:
    """Fetch refspecs (a commit id, or `+src:dst`) from remote, without tags."""
    return _fetch(root, [remote, *refspecs], announce)


def deepen(root: Path, remote: str, rev: str, depth: int, *,
           announce: Announce | None = None) -> Fetched:
    """Fetch `depth` more commits of history behind rev."""
    return _fetch(root, [f"--deepen={depth}", remote, rev], announce)


def unshallow(root: Path, remote: str, *, announce: Announce | None = None) -> Fetched:
    """Fetch the rest of the history: the checkout is no longer shallow if it works."""
    return _fetch(root, ["--unshallow", remote], announce)


def _fetch(root: Path, args: list[str], announce: Announce | None) -> Fetched:
    if announce is not None:
        announce(args)
    ok = run_git(["fetch", "--quiet", "--no-tags", *args], root, check=False).returncode == 0
    return Fetched(ok, is_shallow(root))
