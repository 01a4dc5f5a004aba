"""One report per commit under the pre-commit framework, however many batches it runs.

With thousands of staged files the framework splits the file names into batches and
runs the hook once per batch; the hook scans the whole index each time, so every batch
would print the same report. The first batch records its verdict on the staged changes
under an id of this exact run; a later batch with the same id exits with that code and
says nothing about them (it still scans the files of its own batch that are not staged).

The id is what cannot be the same for another run or another index (fail closed: when
any part cannot be read there is no id, and every batch scans and reports):
- the framework's process (the hook's parent): its pid and its start time, so a pid
  reused later is another run;
- the index file's whole content (what the staged scan reads), and the hook's options;
- the working directory.
Only under the framework (PRE_COMMIT=1), and only on Linux (/proc gives the start time).
"""

from __future__ import annotations

import os
from pathlib import Path

_NAME = "precommit-run"


def run_id(path: Path, options: list[str]) -> str | None:
    """This framework run's id for the staged changes under path, or None."""
    if os.environ.get("PRE_COMMIT") != "1":
        return None
    parent = os.getppid()
    try:
        stat = Path(f"/proc/{parent}/stat").read_text()
        # the fields after the command name (which may hold spaces or parentheses)
        started = stat.rsplit(")", 1)[1].split()[19]
        index = _index_file(path)
        content = index.read_bytes() if index is not None else None
    except (OSError, IndexError, ValueError):
        return None
    if content is None:
        return None
    from psguard.digest import sha256  # only under the framework

    digest = sha256()
    for part in (str(parent), started, os.path.realpath(path), *options):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(content)
    return digest.hexdigest()


def _index_file(path: Path) -> Path | None:
    """The index git reads for this commit: GIT_INDEX_FILE (git sets it for `commit -a`
    and `commit FILE`), else the repository's own; None when unsure."""
    given = os.environ.get("GIT_INDEX_FILE")
    if given:
        return Path(given) if os.path.isabs(given) else path / given
    dot_git = path / ".git"
    if dot_git.is_dir():
        return dot_git / "index"
    if dot_git.is_file():  # a linked worktree: "gitdir: <its own git directory>"
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir: "):
            git_dir = Path(text[len("gitdir: "):])
            return (git_dir if git_dir.is_absolute() else path / git_dir) / "index"
    return None


def recorded(run: str | None) -> int | None:
    """The exit code an earlier batch of this run recorded, or None."""
    if run is None:
        return None
    from psguard.usercache import cache_dir

    try:
        text = (cache_dir() / _NAME).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if len(text) != 2 or text[0] != run or text[1] not in ("0", "1"):
        return None
    return int(text[1])


def record(run: str | None, code: int) -> None:
    """Remember this run's verdict on the staged changes (0 or 1 only: an error is
    never remembered, the next batch runs again)."""
    if run is None or code not in (0, 1):
        return
    from psguard.usercache import cache_dir, write_atomic

    write_atomic(cache_dir() / _NAME, f"{run} {code}\n".encode("ascii"), dir_mode=0o700)
