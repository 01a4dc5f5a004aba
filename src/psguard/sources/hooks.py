"""Scan sources the hooks need beyond `psguard scan`'s: a list of rev-list arguments
(pre-push: the commits not yet on the remote) and a commit message file.

sources/registry.py names them, so every later stage (grouping, suppression, exposure,
verification) runs exactly as for `psguard scan`.
"""

from __future__ import annotations

import re
from pathlib import Path

from psguard.errors import UsageError
from psguard.git.config import config_value
from psguard.models import Candidate, Origin, Problem
from psguard.request import Mode
from psguard.sources.base import SourceInput, SourceResult

SCISSORS = b"------------------------ >8 ------------------------"


def scan_named_files(given: SourceInput) -> SourceResult:
    """Mode.FILES: the named work-tree files (paths relative to the request's path)."""
    from psguard.sources.worktree import FileScan, read_files, scan_read

    root = given.path
    result = SourceResult(Mode.FILES, str(root))
    files = given.config.not_excluded(given.request.files, root)
    out = FileScan()
    scan_read(read_files(root, files, given.config.max_file_size, out.problems),
              given.engine, out)
    result.stats.files = out.files
    result.stats.bytes = out.bytes
    result.problems.extend(out.problems)
    result.candidates.extend(out.candidates)
    return result


def scan_rev_list(given: SourceInput) -> SourceResult:
    """Mode.REVS: what `git rev-list REVS` adds; reports call it a range."""
    from psguard.sources.revrange import scan_revs

    snap = given.repo.snapshot()
    result = SourceResult(Mode.RANGE, str(snap.root))
    scan_revs(given, result, given.request.revs)
    return result


# git's comment characters when core.commentChar is "auto" (it picks one per message).
_AUTO_COMMENT = b"#;@!$%^&|:"


def verbose_cut(data: bytes, comments: tuple[bytes, ...]) -> int | None:
    """Where `git commit -v` cuts the message: the start of git's own scissors line
    (a comment character, a space, the cut marker, at a line's start; the first one,
    as git finds it), when the first non-comment line after it starts a diff. None
    when the file has no such line: then git keeps everything that is not a comment
    (or, with cleanup=verbatim, everything), and every line is scanned."""
    cuts = [data.find(c + b" " + SCISSORS + b"\n") for c in comments]
    cuts = [at for at in cuts if at == 0 or (at > 0 and data[at - 1:at] == b"\n")]
    if not cuts:
        return None
    cut = min(cuts)
    for line in data[cut:].split(b"\n")[1:]:
        if not line.startswith(comments):
            return cut if line.startswith(b"diff --git ") else None
    return None


def _comment_prefixes(root: Path) -> tuple[bytes, ...]:
    value = (config_value(root, "core.commentChar") or b"").strip()
    if value == b"auto":
        return tuple(_AUTO_COMMENT[i:i + 1] for i in range(len(_AUTO_COMMENT)))
    return (value if value else b"#",)


def _message_candidates(given: SourceInput, data: bytes, origin: Origin,
                        problems: list[Problem]) -> list[Candidate]:
    """Every line of the message file is scanned, comment lines included: with -m or
    -F (no editor) or cleanup=verbatim git keeps them, and the hook cannot see which
    applies. Below git's scissors line in an edited message (`commit -v`), only keys
    that the verbose diff can show, that is the repository's own staged, committed or
    work-tree content, are left out: git cuts that diff, and the pre-commit hook
    judges that content. Any other key there may be committed, so it counts."""
    engine = given.engine
    cut = (verbose_cut(data, _comment_prefixes(given.path))
           if given.request.message_edited else None)
    if cut is None:
        return engine.scan_bytes(data, origin, problems)
    above = engine.scan_bytes(data[:cut], origin, problems)
    # The text above blanked (newlines kept): lines, columns and offsets stay the file's.
    blanked = re.sub(rb"[^\n]", b" ", data[:cut]) + data[cut:]
    below = [c for c in engine.scan_bytes(blanked, origin, problems) if c.offset >= cut]
    if not below:
        return above
    from psguard.git.index import verbose_diffs

    shown = {c.secret for diff in verbose_diffs(given.path)
             for c in engine.scan_bytes(diff, origin)}
    return above + [c for c in below if c.secret not in shown]


def scan_message(given: SourceInput) -> SourceResult:
    """Mode.COMMIT_MSG: the message file, every line git may commit."""
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
    if given.request.policy_from is None:
        from psguard.git.index import staged_paths

        # the commit's own changes: a policy change among them does not judge it
        result.changed_paths = staged_paths(given.path)
    if not given.engine.may_match(data):
        return result
    result.candidates.extend(_message_candidates(
        given, data, Origin(kind="commit-message", path=path.name), result.problems))
    return result
