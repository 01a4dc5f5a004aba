"""fleet/merge.py, pure: many repositories' outcomes (the plain data a worker returns)
into one finding per key; and the audit's reports in every format name the
repositories."""

from __future__ import annotations

import json
from typing import Any

from psguard.fleet.merge import merge, with_verification
from psguard.fleet.task import failed
from psguard.models import redact, sha256_hex
from psguard.report import render
from psguard.testing import make_key


def _finding(secret: str, path: str, commit: str, date: str, *, raw: bool = True
             ) -> dict[str, Any]:
    return {"rule": "poolside-api-key", "confidence": "high",
            "secret": secret if raw else None, "sha256": sha256_hex(secret),
            "fingerprint": sha256_hex(f"poolside-api-key:{sha256_hex(secret)}")[:20],
            "redacted": redact(secret), "exposure": "pushed", "exposure_detail": None,
            "first_seen": {"commit": commit, "author": "A", "date": date},
            "refs": ["refs/heads/main"], "present_at_head": True, "notes": [],
            "locations": [{"kind": "blob", "path": path, "commit": commit, "blob": "b" * 40,
                           "author": "A", "date": date, "decoded_from": None, "line": 1,
                           "column": 5, "offset": 4, "end": None,
                           "masked_line": f"KEY={redact(secret)}", "more": 0}]}


def _outcome(index: int, url: str, findings: list[dict[str, Any]]) -> dict[str, Any]:
    return {"index": index, "url": url, "status": "scanned", "detail": None,
            "message": None, "stats": {"blobs": 2, "bytes": 100, "commits": 1,
                                       "seconds": 0.1},
            "problems": [], "findings": findings}


def _audit(raw: bool = True) -> tuple[Any, str, str]:
    shared, single = make_key(), make_key()
    outcomes = [  # as they finish, not as given
        failed(3, "https://h/d.git", "authentication", "fatal: Authentication failed"),
        _outcome(1, "https://h/b.git", [_finding(shared, "b.env", "2" * 40,
                                                 "2020-01-01T09:00:00+02:00", raw=raw)]),
        _outcome(0, "https://h/a.git", [_finding(shared, "a.py", "1" * 40,
                                                 "2020-01-01T08:30:00+00:00", raw=raw)]),
        _outcome(2, "https://h/c.git", [_finding(single, "c.sh", "3" * 40,
                                                 "2021-05-05T00:00:00+00:00", raw=raw)]),
    ]
    return merge(outcomes), shared, single


def test_one_finding_per_key_across_repositories() -> None:
    result, shared, single = _audit()
    by_key = {f.secret: f for f in result.findings}
    assert set(by_key) == {shared, single}
    f = by_key[shared]
    assert f.repositories == ["https://h/a.git", "https://h/b.git"]  # as given
    assert [(c.origin.repository, c.origin.path) for c in f.candidates] == [
        ("https://h/a.git", "a.py"), ("https://h/b.git", "b.env")]
    # 09:00+02:00 (b) is before 08:30 UTC (a): the first commit anywhere is b's
    assert f.first_seen == {"commit": "2" * 40, "author": "A",
                            "date": "2020-01-01T09:00:00+02:00",
                            "repository": "https://h/b.git"}
    assert [(r.url, r.status, r.detail) for r in result.repositories] == [
        ("https://h/a.git", "scanned", None), ("https://h/b.git", "scanned", None),
        ("https://h/c.git", "scanned", None), ("https://h/d.git", "failed", "authentication")]
    assert not result.complete and result.stats.blobs == 6


def test_without_raw_keys_the_workers_hashes_are_used() -> None:
    result, shared, _ = _audit(raw=False)
    f = next(f for f in result.findings if len(f.repositories) == 2)
    assert f.secret == "" and f.sha256 == sha256_hex(shared) and f.redacted == redact(shared)
    [live] = with_verification([f], {sha256_hex(shared): {
        "status": "live", "endpoint": "https://x/v1", "detail": None}})
    assert live.verification.status == "live"


def test_every_report_names_the_repositories() -> None:
    result, shared, _ = _audit()
    for fmt in ("text", "json", "sarif", "markdown"):
        text = render(fmt, result, show_secrets=False, color=False)
        assert shared not in text, fmt
        assert "https://h/b.git" in text and "https://h/d.git" in text, fmt
    report = json.loads(render("json", result, show_secrets=False, color=False))
    assert [r["status"] for r in report["repositories"]] == [
        "scanned", "scanned", "scanned", "failed"]
    text = render("text", result, show_secrets=False, color=False)
    assert "audited 4 repositories: 3 scanned, 1 failed" in text
    assert "https://h/b.git: b.env:1:5 in commit 222222222222" in text
    sarif = json.loads(render("sarif", result, show_secrets=False, color=False))
    locations = [r["locations"][0]["properties"]["repository"]
                 for r in sarif["runs"][0]["results"]]
    assert sorted(locations) == ["https://h/a.git", "https://h/b.git", "https://h/c.git"]
    assert "| `https://h/d.git` | failed (authentication) | 0 |" in render(
        "markdown", result, show_secrets=False, color=False)
