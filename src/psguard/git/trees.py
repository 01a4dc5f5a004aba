"""Files as one commit holds them: what the trusted side of a change says.

The CI gate reads psguard's own configuration, ignore file and baseline from the base
of a pull request, and the pre-commit hook from HEAD, never from the change being
judged (config.PolicySource). These functions read `REV:path` names from the object
store: no work tree, no checkout, and nothing fetched.
"""

from __future__ import annotations

from pathlib import Path

from psguard.git.catfile import read_objects
from psguard.git.runner import run_git


class TreeFile:
    """What REV:path is: a blob's bytes, or why there are none."""

    __slots__ = ("data", "state")

    def __init__(self, state: str, data: bytes = b"") -> None:
        self.state = state  # "blob", "missing", "too-large", or another object type
        self.data = data


def _name(rev: str, path: str) -> str | None:
    """The `REV:path` name cat-file reads; None when cat-file cannot take it (a
    newline ends its input line)."""
    return None if "\n" in rev or "\n" in path else f"{rev}:{path}"


def read_tree_files(root: Path, rev: str, paths: list[str], limit: int
                    ) -> dict[str, TreeFile]:
    """Each path (from the top) as the commit `rev` holds it, in one `cat-file`
    process. A blob above `limit` bytes is never held in memory ("too-large")."""
    named = {p: _name(rev, p) for p in dict.fromkeys(paths)}
    out = {p: TreeFile("missing") for p, n in named.items() if n is None}
    asked = [p for p, n in named.items() if n is not None]
    if not asked:
        return out
    answers = read_objects(root, (str(named[p]) for p in asked), max_size=limit)
    for path, (_oid, kind, data) in zip(asked, answers, strict=False):
        out[path] = TreeFile(kind, data)
    return out


def blob_ids(root: Path, names: list[str]) -> dict[str, str | None]:
    """The object id each `REV:path` name resolves to (None: not there), in one
    `cat-file --batch-check`: enough to tell whether two commits hold the same file."""
    names = [n for n in dict.fromkeys(names) if "\n" not in n]
    if not names:
        return {}
    proc = run_git(["cat-file", "--batch-check=%(objectname) %(objecttype)"], root,
                   input=("\n".join(names) + "\n").encode("utf-8", "surrogateescape"),
                   check=False, no_fetch=True)
    lines = proc.stdout.decode("utf-8", "surrogateescape").split("\n")
    out: dict[str, str | None] = {}
    for name, line in zip(names, lines, strict=False):
        oid, _, kind = line.partition(" ")
        # "<name> missing" / "<name> ambiguous": then kind is not one word of these
        out[name] = oid if kind in ("blob", "tree", "commit", "tag") else None
    return out
