"""The HTML report's pure parts: the timeline's order, verification fields shown whatever
they are, the verdict of an incomplete scan, --show-secrets. (The browser checks are in
tests/e2e/test_html_report.py.)"""

from __future__ import annotations

from typing import Any

from psguard.models import Candidate, Finding, Origin, Problem, ScanResult, Verification
from psguard.report import render
from psguard.report.timeline import last_seen, timeline
from psguard.testing import make_key
from psguard.testing.browser import Dom


def _finding(key: str, places: list[tuple[str, str | None, str]]) -> Finding:
    cands = [Candidate(rule="poolside-api-key", secret=key, confidence="high",
                       origin=Origin(kind="blob", path=path, commit=commit, author="Ada",
                                     date=date),
                       line=1, column=1, offset=0)
             for commit, date, path in places]
    return Finding(rule="poolside-api-key", secret=key, confidence="high", candidates=cands)


def test_timeline_leads_with_the_first_commit_then_goes_by_date() -> None:
    key = make_key()
    f = _finding(key, [("c3" * 20, "2026-05-01T00:00:00+02:00", "c.env"),
                       ("c1" * 20, "2026-01-01T00:00:00+00:00", "a.env"),
                       ("c0" * 20, None, "x.env"),
                       ("c2" * 20, "2026-03-01T00:00:00+00:00", "b.env"),
                       ("c2" * 20, "2026-03-01T00:00:00+00:00", "b2.env")])
    f = f.replace(first_seen={"commit": "c1" * 20, "author": "Ada",
                              "date": "2026-01-01T00:00:00+00:00"})
    seen = timeline(f)
    assert [s.commit[:2] for s in seen] == ["c1", "c2", "c3", "c0"]
    assert seen[1].paths == ["b.env", "b2.env"]  # one row a commit
    latest = last_seen(f)
    assert latest is not None and latest.commit == "c3" * 20


def test_no_commit_no_timeline() -> None:
    f = _finding(make_key(), [])
    assert timeline(f) == [] and last_seen(f) is None


class _Reaching(Verification):
    """What another stage may add to a verification (what a live key can reach)."""

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "key_kind": "service account",
                "models": ["model-a", "<b>model-b</b>"], "reach": {"can_write": False}}


def _result(f: Finding, *problems: Problem) -> ScanResult:
    result = ScanResult(mode="history", target="repo")
    result.findings = [f]
    result.problems = list(problems)
    return result


def test_every_verification_field_is_shown_as_text() -> None:
    key = make_key()
    f = _finding(key, [("c1" * 20, "2026-01-01T00:00:00+00:00", "a.env")])
    f = f.replace(verification=_Reaching(status="live", endpoint="https://api.example/v1",
                                         detail="200 OK"))
    dom = Dom(render("html", _result(f), show_secrets=False, color=False))
    for text in ("key kind service account", "models model-a, <b>model-b</b>",
                 "can write no", "endpoint https://api.example/v1", "detail 200 OK"):
        assert text in dom.text, text
    assert not dom.tags("b")
    assert key not in dom.text and f"ps-…{key[-4:]}" in dom.text


def test_an_incomplete_scan_never_reads_as_clean() -> None:
    result = ScanResult(mode="history", target="repo")
    result.problems = [Problem("missing-object", "abc", "not in the object store")]
    dom = Dom(render("html", result, show_secrets=False, color=False))
    assert "INCOMPLETE" in dom.title and "The scan is INCOMPLETE" in dom.text
    assert "No Poolside API keys found" not in dom.text
    key = make_key()
    with_key = _result(_finding(key, [("c1" * 20, None, "a.env")]), *result.problems)
    dom = Dom(render("html", with_key, show_secrets=False, color=False))
    assert "1 Poolside API key found in 1 place. The scan is INCOMPLETE" in dom.text
    result.problems = [Problem("warning", "abc", "skipped on purpose", incomplete=False)]
    dom = Dom(render("html", result, show_secrets=False, color=False))
    assert "No Poolside API keys found in everything that was scanned." in dom.text


def test_show_secrets_shows_the_key_and_says_so() -> None:
    key = make_key()
    f = _finding(key, [("c1" * 20, "2026-01-01T00:00:00+00:00", "a.env")])
    page = render("html", _result(f), show_secrets=True, color=False)
    assert key in Dom(page).text and "keep this file private" in page


def test_an_audit_lists_every_repository_and_how_it_went() -> None:
    from psguard.fleet.model import AuditResult, RepoReport

    result = AuditResult("2 repositories")
    result.repositories = [RepoReport("https://git.example/a<i>.git", "scanned", findings=1),
                           RepoReport("https://git.example/b.git", "failed",
                                      detail="not found", message="repository not found")]
    result.problems = [Problem("not-scanned", "https://git.example/b.git", "not found")]
    dom = Dom(render("html", result, show_secrets=False, color=False))
    assert "https://git.example/a<i>.git scanned 1" in dom.text and not dom.tags("i")
    assert "https://git.example/b.git failed not found: repository not found 0" in dom.text
    assert "The scan is INCOMPLETE" in dom.text
