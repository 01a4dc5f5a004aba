"""A local repository (no remote configured) against one whose remote left no
remote-tracking refs (a mirror, a CI checkout): classify.py and remediation.py alone,
from hand-built facts."""

from __future__ import annotations

import secrets

from psguard.git.reach import Reach
from psguard.models import Candidate, ExposureDetail, Finding, Origin
from psguard.stages.classify import Traced, classify
from psguard.stages.remediation import steps
from psguard.testing import make_key


def _finding(key: str, *origins: Origin) -> Finding:
    cands = [Candidate("poolside-api-key", key, "high", o, 1, 5, 4) for o in origins]
    return Finding("poolside-api-key", key, "high", cands)


def test_no_remote_configured_is_local_and_said_so() -> None:
    key, tag_commit = make_key(), secrets.token_hex(20)
    f = _finding(key, Origin("tag-message", path="refs/tags/v1", commit=tag_commit))
    local = Reach(remote="origin", remote_refs=[], remote_configured=False)
    a = classify(f, "history", local, Traced())
    assert a.exposure == "local"
    assert a.detail.remote_state == "none" and a.detail.remote is None
    assert any("no remote configured (a local repository)" in n for n in a.notes)


def test_remote_without_tracking_refs_is_pushed() -> None:
    key, tag_commit = make_key(), secrets.token_hex(20)
    f = _finding(key, Origin("tag-message", path="refs/tags/v1", commit=tag_commit))
    mirror = Reach(remote="origin", remote_refs=[], remote_configured=True)
    a = classify(f, "history", mirror, Traced())
    assert a.exposure == "pushed" and a.detail.remote_state == "untracked"
    assert any("no remote-tracking refs" in n for n in a.notes)


def test_outside_git_steps_hold_no_git_command() -> None:
    detail = ExposureDetail()
    detail.remote_state = "outside-git"
    f = _finding(make_key(), Origin("file", path="a.env")).replace(
        exposure="working-tree", exposure_detail=detail)
    advice = steps(f)
    assert [s.command for s in advice if s.command] == ["psguard scan"]
    assert not any("check-ignore" in s.text or "--staged" in s.text for s in advice)
