"""GitLab's secret-detection report (`gl-secret-detection-report.json`, schema 15.2.5):
the file GitLab's security widgets read from `artifacts: reports: secret_detection`.

One vulnerability per place a key was seen (GitLab lists one per file and line), each
with a stable id from the finding's fingerprint and the place, the redacted key in the
text (the raw key only with --show-secrets), the commit (GitLab requires one: the
commit that holds it, else zeros for files not yet committed) and remediation's steps
as the solution. What could not be read goes to `scan.messages`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from psguard.models import Candidate, Finding, ScanResult, scrub_keys
from psguard.report.describe import reach_line, report_only_text
from psguard.report.guidance import exposure_label, shown_secret, status_label, step_line, steps
from psguard.version import __version__

SCHEMA_VERSION = "15.2.5"
SCHEMA_URL = ("https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
              f"v{SCHEMA_VERSION}/dist/secret-detection-report-format.json")
NO_COMMIT = "0" * 40  # a work-tree or standard-input finding: not in any commit yet
_SOLUTION_MAX = 7000  # the schema's limit
_SEVERITY = {"live": "Critical", "unknown": "High", "not_checked": "High", "rejected": "Low"}
_TOOL = {"id": "psguard", "name": "psguard", "version": __version__,
         "vendor": {"name": "psguard"}}


def render(result: ScanResult, *, show_secrets: bool, color: bool = False) -> str:
    end = datetime.now(timezone.utc).replace(microsecond=0)
    start = end - timedelta(seconds=round(result.stats.seconds))
    scan: dict[str, Any] = {
        "analyzer": _TOOL, "scanner": _TOOL, "type": "secret_detection",
        "start_time": _time(start), "end_time": _time(end), "status": "success",
    }
    messages = [{"level": "warn" if p.incomplete else "info",
                 "value": scrub_keys(f"{p.kind}: {p.target}: {p.detail}")}
                for p in result.problems]
    report_only = report_only_text(result)
    if report_only:  # a gate that cannot fail says so where its result is read
        messages.insert(0, {"level": "warn", "value": report_only})
    if messages:
        scan["messages"] = messages
    report = {
        "version": SCHEMA_VERSION, "schema": SCHEMA_URL, "scan": scan,
        "vulnerabilities": [_vulnerability(f, c, show_secrets)
                            for f in result.findings for c in f.candidates],
    }
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _vulnerability(f: Finding, c: Candidate, show_secrets: bool) -> dict[str, Any]:
    o = c.origin
    status = f.verification.status
    description = (f"Poolside API key {shown_secret(f, show_secrets)} ({f.confidence} "
                   f"confidence, {status_label(status)}), exposure: {exposure_label(f)}."
                   + (f" Decoded from {o.decoded_from}." if o.decoded_from else "")
                   + (f" {reach_line(f)}." if reach_line(f) else "")
                   + f" Fingerprint: {f.fingerprint}.")
    location: dict[str, Any] = {"file": o.path or _where(c),
                                "commit": _commit(c)}
    if c.line is not None:
        location["start_line"] = c.line
        location["end_line"] = c.line
    return {
        "id": _uuid(f.fingerprint, c),
        "name": "Poolside API key",
        "description": description,
        "severity": _SEVERITY.get(status, "Unknown"),
        "solution": _solution(f),
        "identifiers": [{"type": "psguard_rule_id", "name": "Poolside API key",
                         "value": f.rule}],
        "location": location,
    }


def _where(c: Candidate) -> str:
    """What stands for the file where there is none: a message, a dangling blob."""
    o = c.origin
    if o.kind == "stdin":
        return "<stdin>"
    if o.kind == "blob" and o.blob:
        return f"blob {o.blob[:12]} (in no commit)"
    return f"{o.kind} {(o.commit or '')[:12]}".strip()


def _commit(c: Candidate) -> dict[str, str]:
    o = c.origin
    out = {"sha": o.commit or NO_COMMIT}
    if o.author:
        out["author"] = o.author
    if o.date:
        out["date"] = o.date
    return out


def _solution(f: Finding) -> str:
    text = "\n".join(f"{i}. {step_line(s)}" for i, s in enumerate(steps(f), 1))
    if len(text) > _SOLUTION_MAX:
        text = text[:_SOLUTION_MAX - 1] + "…"
    return text


def _uuid(fingerprint: str, c: Candidate) -> str:
    """Stable across pipelines: the same key at the same place keeps its id."""
    o = c.origin
    place = f"{fingerprint}|{o.kind}|{o.path}|{o.commit}|{o.blob}|{c.line}|{c.column}"
    h = hashlib.sha256(place.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
