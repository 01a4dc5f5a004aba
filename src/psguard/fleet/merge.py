"""Many repositories' outcomes (fleet/task.py's plain data) into one audit result:
one finding per key with every repository and place it was seen, the first commit that
brought it anywhere, and every repository accounted for. Pure: no I/O."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from psguard.fleet.model import AuditResult, FleetFinding, RepoReport
from psguard.models import (
    CONFIDENCE_ORDER,
    EXPOSURE_ORDER,
    Candidate,
    ExposureDetail,
    Finding,
    Origin,
    Problem,
    Verification,
)

_LATEST = datetime.max.replace(tzinfo=None)


def merge(outcomes: list[dict[str, Any]]) -> AuditResult:
    """The audit's result; outcomes in the order the repositories were given."""
    ordered = sorted(outcomes, key=lambda o: o["index"])
    result = AuditResult(f"{len(ordered)} repositories")
    groups: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for out in ordered:
        _account(result, out)
        for data in out["findings"]:
            groups.setdefault(data["sha256"], []).append((out["url"], data))
    result.findings = [_one_finding(parts) for parts in groups.values()]
    return result


def _account(result: AuditResult, out: dict[str, Any]) -> None:
    """The repository's report, its stats added up, its problems named by repository."""
    url = out["url"]
    result.repositories.append(RepoReport(url, out["status"], out["detail"], out["message"],
                                          out["stats"], len(out["findings"])))
    stats = out["stats"]
    result.stats.blobs += stats.get("blobs", 0)
    result.stats.bytes += stats.get("bytes", 0)
    result.stats.commits += stats.get("commits", 0)
    if out["status"] == "failed":
        why = out["detail"] + (f": {out['message']}" if out["message"] else "")
        result.problems.append(Problem("failed", url, f"repository not scanned ({why})"))
    for p in out["problems"]:
        result.problems.append(Problem(p["kind"], f"{url}: {p['target']}", p["detail"],
                                       p["incomplete"]))


def _one_finding(parts: list[tuple[str, dict[str, Any]]]) -> Finding:
    first = parts[0][1]
    repositories = list(dict.fromkeys(url for url, _ in parts))
    secret = next((d["secret"] for _, d in parts if d["secret"]), "")
    confidence = max((d["confidence"] for _, d in parts), key=CONFIDENCE_ORDER.__getitem__)
    finding = FleetFinding(first["rule"], secret, confidence, sha256=first["sha256"],
                           fingerprint=first["fingerprint"], redacted=first["redacted"],
                           repositories=repositories)
    candidates = [_candidate(url, loc, first["rule"], secret, confidence)
                  for url, d in parts for loc in d["locations"]]
    widest = max(parts, key=lambda p: EXPOSURE_ORDER.get(p[1]["exposure"] or "", -1))
    seen = [(url, d["first_seen"]) for url, d in parts if d["first_seen"]]
    first_seen = None
    if seen:
        url, earliest = min(seen, key=lambda s: _when(s[1].get("date")))
        first_seen = {**earliest, "repository": url}
    notes: list[str] = []
    for url, d in parts:
        notes += [f"{url}: {n}" for n in d["notes"] if f"{url}: {n}" not in notes]
    return finding.replace(
        candidates=candidates, exposure=widest[1]["exposure"],
        exposure_detail=_detail(widest[1]["exposure_detail"]), first_seen=first_seen,
        refs=[f"{url} {ref}" for url, d in parts for ref in d["refs"]],
        present_at_head=_any_known(d["present_at_head"] for _, d in parts),
        notes=notes, verification=Verification())


def _candidate(url: str, loc: dict[str, Any], rule: str, secret: str,
               confidence: str) -> Candidate:
    origin = Origin(loc["kind"], loc["path"], loc["commit"], loc["blob"], loc["author"],
                    loc["date"], loc["decoded_from"], repository=url)
    return Candidate(rule, secret, confidence, origin, loc["line"], loc["column"],
                     loc["offset"], loc["masked_line"], False, loc["end"], loc["more"])


def _detail(data: dict[str, Any] | None) -> ExposureDetail | None:
    if data is None:
        return None
    detail = ExposureDetail()
    for name, value in data.items():
        if name in detail._fields:
            setattr(detail, name, value)
    return detail


def _when(date: str | None) -> datetime:
    """A commit date for ordering; unknown dates last."""
    if not date:
        return _LATEST
    try:
        parsed = datetime.fromisoformat(date)
    except ValueError:
        return _LATEST
    return parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed


def _any_known(values: Any) -> bool | None:
    known = [v for v in values if v is not None]
    return any(known) if known else None


def with_verification(findings: list[Finding], statuses: dict[str, dict[str, Any]]
                      ) -> list[Finding]:
    """Findings with their verification, from sha256 -> (status, endpoint, detail)."""
    out = []
    for f in findings:
        v = statuses.get(f.sha256)
        out.append(f if v is None else f.replace(
            verification=Verification(v["status"], v["endpoint"], v["detail"],
                                      v.get("reach"))))
    return out
