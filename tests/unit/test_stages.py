"""The pure stages alone, without a repository: grouping, the ignore file, the policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from psguard.config import Config, PolicySource
from psguard.errors import ConfigError
from psguard.models import Candidate, Finding, Origin, Problem, ScanResult, Verification
from psguard.request import Mode, ScanRequest
from psguard.stages.grouping import finding_order, group_candidates
from psguard.stages.policy import (
    EXIT_BLOCKING,
    EXIT_CLEAN,
    EXIT_INCOMPLETE,
    exit_code,
    parse_fail_on,
)
from psguard.stages.suppress import apply_suppressions, parse_ignore
from psguard.testing import make_key


def cand(secret: str, path: str, offset: int = 0, *, confidence: str = "high",
         suppressed: bool = False) -> Candidate:
    return Candidate("poolside-api-key", secret, confidence, Origin("file", path=path),
                     1, offset + 1, offset, suppressed=suppressed)


def test_places_at_one_path_and_offset_in_several_commits_keep_one_order() -> None:
    """A history scan meets them in whatever order it reads the objects: the report
    lists them by date (then commit), whatever that order was."""
    key = make_key()

    def at(commit: str, date: str) -> Candidate:
        return Candidate("poolside-api-key", key, "high",
                         Origin("blob", path="s.py", commit=commit, blob="b" * 40, date=date),
                         1, 1, 0)

    older, newer = at("e" * 40, "2020-11-02T21:26:34+00:00"), at("4" * 40,
                                                                  "2020-11-02T23:08:23+00:00")
    for given in ([older, newer], [newer, older]):
        (finding,), _ = group_candidates(given, "medium")
        assert [c.origin.commit for c in finding.candidates] == ["e" * 40, "4" * 40]


def test_keys_alike_in_rank_and_path_keep_one_order_whatever_the_scan_order() -> None:
    """Two keys at the same path (two versions of a file): the report's order of the
    findings does not follow the order the objects happened to be read in."""
    a, b = make_key(), make_key()

    def at(key: str, commit: str) -> Candidate:
        return Candidate("poolside-api-key", key, "high",
                         Origin("blob", path="s.py", commit=commit, blob=commit,
                                date="2020-11-02T21:26:34+00:00"), 1, 1, 0)

    orders = set()
    for given in ([at(a, "1" * 40), at(b, "2" * 40)], [at(b, "2" * 40), at(a, "1" * 40)]):
        findings, _ = group_candidates(given, "medium")
        orders.add(tuple(f.secret for f in findings))
    assert orders == {(a, b)}


def test_one_finding_per_key_with_every_place_once() -> None:
    a, b = make_key(), make_key()
    findings, inline = group_candidates(
        [cand(a, "z.py"), cand(b, "m.py"), cand(a, "b.py"), cand(a, "z.py")], "medium")
    assert inline == 0
    by_key = {f.secret: [c.origin.path for c in f.candidates] for f in findings}
    assert by_key == {a: ["b.py", "z.py"], b: ["m.py"]}


def test_a_key_allowed_everywhere_is_counted_not_reported() -> None:
    a, b = make_key(), make_key()
    findings, inline = group_candidates(
        [cand(a, "x.py", suppressed=True), cand(b, "x.py", 50, suppressed=True),
         cand(b, "y.py")], "medium")
    assert inline == 1
    assert [(f.secret, [c.origin.path for c in f.candidates]) for f in findings] == [
        (b, ["y.py"])]


def test_confidence_threshold_uses_the_keys_best_occurrence() -> None:
    a = make_key()
    low_only, _ = group_candidates([cand(a, "x.py", confidence="low")], "medium")
    mixed, _ = group_candidates([cand(a, "x.py", confidence="low"),
                                 cand(a, "y.py", 9, confidence="high")], "medium")
    assert low_only == [] and [f.confidence for f in mixed] == ["high"]


def test_pre_existing_keys_are_marked_at_grouping() -> None:
    a, b = make_key(), make_key()
    findings, _ = group_candidates([cand(a, "x.py"), cand(b, "y.py")], "medium",
                                   pre_existing={("poolside-api-key", b)})
    assert {f.secret: f.pre_existing for f in findings} == {a: False, b: True}


def test_live_keys_sort_first_then_the_most_exposed() -> None:
    def finding(status: str, exposure: str) -> Finding:
        f = Finding("poolside-api-key", make_key(), "high", [cand(make_key(), "a")])
        return f.replace(verification=Verification(status), exposure=exposure)

    rows = [finding("not_checked", "working-tree"), finding("not_checked", "pushed"),
            finding("live", "staged"), finding("rejected", "pushed")]
    ordered = sorted(rows, key=finding_order)
    assert [(f.verification.status, f.exposure) for f in ordered] == [
        ("live", "staged"), ("not_checked", "pushed"), ("not_checked", "working-tree"),
        ("rejected", "pushed")]


def test_ignore_file_lines_ids_reasons_and_malformed_lines() -> None:
    entries, problems = parse_ignore(
        "# header\n\n0123456789abcdef0123  # revoked\nnot-an-id\nABCDEF0123456789ABCD\n",
        ".psguardignore")
    assert [(e.fingerprint, e.reason, e.line) for e in entries] == [
        ("0123456789abcdef0123", "revoked", 3), ("abcdef0123456789abcd", None, 5)]
    assert [(p.kind, p.target, p.incomplete) for p in problems] == [
        ("warning", ".psguardignore:4", False)]


def test_suppression_drops_ignored_findings_and_reports_stale_ids(tmp_path: Path) -> None:
    kept = Finding("poolside-api-key", make_key(), "high", [cand(make_key(), "a")])
    gone = Finding("poolside-api-key", make_key(), "high", [cand(make_key(), "b")])
    (tmp_path / ".psguardignore").write_text(f"{gone.fingerprint}\n{'f' * 20}\n")
    out = apply_suppressions([kept, gone], 2, ScanRequest(path=tmp_path, mode=Mode.WORKTREE),
                             Config(policy=PolicySource(tmp_path)))
    assert out.findings == [kept]
    assert out.count == 3 and out.by == {"inline": 2, "ignore-file": 1}
    assert [p.kind for p in out.problems] == ["stale-ignore"]


def test_repo_config_off_means_the_ignore_file_is_not_read(tmp_path: Path) -> None:
    f = Finding("poolside-api-key", make_key(), "high", [cand(make_key(), "a")])
    (tmp_path / ".psguardignore").write_text(f"{f.fingerprint}\n")
    req = ScanRequest(path=tmp_path, mode=Mode.WORKTREE, no_repo_config=True)
    refused = Config(policy=PolicySource(tmp_path, repo_files=False))
    assert apply_suppressions([f], 0, req, refused).findings == [f]


def test_exit_codes_block_then_incomplete_then_clean() -> None:
    blocking = Finding("poolside-api-key", make_key(), "high", [cand(make_key(), "a")])
    result = ScanResult(Mode.WORKTREE, ".")
    assert exit_code(result, parse_fail_on([])) == EXIT_CLEAN
    result.problems = [Problem("unreadable", "x", "permission denied")]
    assert exit_code(result, parse_fail_on([])) == EXIT_INCOMPLETE
    result.findings = [blocking]
    assert exit_code(result, parse_fail_on([])) == EXIT_BLOCKING
    # --fail-on live: a key nobody checked does not block, but the scan stays incomplete
    assert exit_code(result, parse_fail_on(["live"])) == EXIT_INCOMPLETE
    result.findings = [blocking.replace(pre_existing=True)]
    assert exit_code(result, parse_fail_on([])) == EXIT_INCOMPLETE


def test_fail_on_names_and_errors() -> None:
    assert parse_fail_on(["live,not-checked"]) == {"live", "not_checked"}
    assert parse_fail_on(["any"]) == {"live", "unknown", "not_checked", "rejected"}
    with pytest.raises(ConfigError, match="unknown status 'alive'"):
        parse_fail_on(["alive"])
