"""Which source reads which mode. Each is imported only when its mode runs: the
pre-commit hook's clean path must not pay for importing history scanning."""

from __future__ import annotations

from psguard.request import Mode
from psguard.sources.base import SourceInput, SourceResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from psguard.sources.base import Source


def read_source(given: SourceInput) -> SourceResult:
    return source_for(given.request.mode)(given)


def source_for(mode: Mode) -> Source:
    if mode is Mode.WORKTREE:
        from psguard.sources.worktree import scan_worktree

        return scan_worktree
    if mode is Mode.STAGED:
        from psguard.sources.staged import scan_staged

        return scan_staged
    if mode is Mode.STDIN:
        from psguard.sources.stdin import scan_stdin

        return scan_stdin
    if mode is Mode.HISTORY:
        from psguard.sources.history import scan_history

        return scan_history
    if mode is Mode.REMOTE:
        from psguard.sources.remote import scan_remote

        return scan_remote
    if mode is Mode.RANGE:
        from psguard.sources.revrange import scan_range

        return scan_range
    if mode is Mode.PRE_RECEIVE:
        from psguard.sources.prereceive import scan_push

        return scan_push
    from psguard.sources import hooks

    if mode is Mode.REVS:
        return hooks.scan_rev_list
    if mode is Mode.COMMIT_MSG:
        return hooks.scan_message
    return hooks.scan_named_files
