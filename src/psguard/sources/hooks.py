"""Scan sources the hooks need beyond `psguard scan`'s: a list of rev-list arguments
(pre-push: the commits not yet on the remote) and a commit message file.

sources/registry.py names them, so every later stage (grouping, suppression, exposure,
verification) runs exactly as for `psguard scan`.
"""

from __future__ import annotations

from pathlib import Path

from psguard.errors import UsageError
from psguard.git.config import config_value
from psguard.models import Origin
from psguard.request import Mode
from psguard.sources.base import SourceInput, SourceResult

SCISSORS = b"------------------------ >8 ------------------------"


def scan_named_files(given: SourceInput) -> SourceResult:
    """Mode.FILES: the named work-tree files (paths relative to the request's path)."""
    from psguard.sources.worktree import read_files

    root = given.path
    result = SourceResult(Mode.FILES, str(root))
    files = given.config.not_excluded(given.request.files, root)
    for chunk in read_files(root, files, given.config.max_file_size, result.problems):
        result.stats.files += 1
        result.stats.bytes += len(chunk.data)
        result.candidates.extend(given.engine.scan(chunk, result.problems))
    return result


def scan_rev_list(given: SourceInput) -> SourceResult:
    """Mode.REVS: what `git rev-list REVS` adds; reports call it a range."""
    from psguard.sources.revrange import scan_revs

    snap = given.repo.snapshot()
    result = SourceResult(Mode.RANGE, str(snap.root))
    scan_revs(given, result, given.request.revs)
    return result


def message_text(data: bytes, comment_char: bytes = b"#") -> bytes:
    """The part of a message file git will commit: without the `git commit -v` diff
    below the scissors line and without comment lines. Lines are kept (blanked) so
    line numbers match the file."""
    out = []
    for line in data.split(b"\n"):
        stripped = line.lstrip()
        if stripped.startswith(comment_char) and SCISSORS in line:
            break
        out.append(b"" if stripped.startswith(comment_char) else line)
    return b"\n".join(out)


def _comment_char(root: Path) -> bytes:
    value = (config_value(root, "core.commentChar") or b"").strip()
    return value[:1] if value and value != b"auto" else b"#"


def scan_message(given: SourceInput) -> SourceResult:
    """Mode.COMMIT_MSG: the message file, as git will commit it."""
    path = given.request.message_file
    if path is None:
        raise UsageError("commit-msg: no message file given")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"commit-msg: cannot read {path}: {exc.strerror}") from None
    result = SourceResult(Mode.COMMIT_MSG, str(given.path))
    result.stats.files = 1
    result.stats.bytes = len(data)
    if not given.engine.may_match(data):
        return result
    text = message_text(data, _comment_char(given.path))
    result.candidates.extend(given.engine.scan_bytes(
        text, Origin(kind="commit-message", path=path.name)))
    return result
