"""The pre-receive source: exactly what a push brings to the server.

`psguard hook pre-receive` names the pushed tips (commits and annotated tags, never a
deletion) and asks for `<tips> --not --all`: inside the hook the refs are still the
ones from before the push, and git keeps the pushed objects in a quarantine directory
(GIT_OBJECT_DIRECTORY, with the repository's own objects as an alternate) that every
git process started here inherits. So a new branch made of existing commits reads
nothing, and a push to a 27,000-commit repository reads only its new commits: their
new blobs (a merge's own resolution included), their messages and the tag messages
(revrange.scan_revs, the same reader as ranges and pre-push).
"""

from __future__ import annotations

from psguard.request import Mode
from psguard.sources.base import SourceInput, SourceResult
from psguard.sources.revrange import scan_revs


def push_revs(tips: list[str]) -> list[str]:
    """The rev-list arguments for what pushing `tips` adds to the repository."""
    return [*dict.fromkeys(tips), "--not", "--all"] if tips else []


def scan_push(given: SourceInput) -> SourceResult:
    """Mode.PRE_RECEIVE: the request's revs are push_revs(the pushed tips)."""
    snap = given.repo.snapshot()
    result = SourceResult(Mode.PRE_RECEIVE, str(snap.git_dir))
    if not given.request.revs:
        return result
    scan_revs(given, result, given.request.revs)
    if result.commit_facts is not None:
        # the pushed commits are in the quarantine: no ref reaches them yet
        result.commit_facts = result.commit_facts.replace(reachable=False)
    return result
