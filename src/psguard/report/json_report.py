"""The versioned JSON report (schema psguard/v1, additive changes only)."""

from __future__ import annotations

import json
from typing import Any

from psguard.models import Candidate, Finding, ScanResult
from psguard.version import __version__

SCHEMA = "psguard/v1"


def location_json(c: Candidate) -> dict[str, Any]:
    o = c.origin
    out: dict[str, Any] = {
        "kind": o.kind,
        "path": o.path,
        "line": c.line,
        "column": c.column,
        "offset": c.offset,
        "commit": o.commit,
        "author": o.author,
        "date": o.date,
        "decoded_from": o.decoded_from,
    }
    if o.repository is not None:  # audits
        out["repository"] = o.repository
    return out


def finding_json(f: Finding, show_secrets: bool) -> dict[str, Any]:
    secret: dict[str, Any] = {"redacted": f.redacted, "sha256": f.sha256}
    if show_secrets:
        secret["value"] = f.secret
    out: dict[str, Any] = {
        "id": f.fingerprint,
        "rule": f.rule,
        "confidence": f.confidence,
        "secret": secret,
        "verification": f.verification.to_json(),
        "exposure": f.exposure,  # null: standard input (provenance unknown)
        "exposure_detail": f.exposure_detail.to_json() if f.exposure_detail else None,
        "pre_existing": f.pre_existing,
        "locations": [location_json(c) for c in f.candidates],
        # places seen but not listed: at most 100 are, per file, blob or message
        "unlisted_locations": f.unlisted,
        "first_seen": f.first_seen,
        "refs": f.refs,
        "present_at_head": f.present_at_head,
        "remediation": [r.to_json() for r in f.remediation],
        "notes": f.notes,
    }
    repositories = getattr(f, "repositories", None)  # audits: every repository holding it
    if repositories is not None:
        out["repositories"] = repositories
    return out


def report_dict(result: ScanResult, show_secrets: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": "psguard", "version": __version__},
        "scan": {
            "mode": result.mode,
            "target": result.target,
            "complete": result.complete,
            "problems": [p.to_json() for p in result.problems],
            "stats": {
                "files": result.stats.files,
                "blobs": result.stats.blobs,
                "bytes": result.stats.bytes,
                "commits": result.stats.commits,
                "seconds": round(result.stats.seconds, 3),
            },
            "suppressed": result.suppressed,
            "suppressed_by": result.suppressed_by,
            # where config, ignore file and baseline were read, and the policy files
            # the scanned change modifies (never applied to the change itself)
            "policy_from": result.policy_from,
            "policy_changes": result.policy_changes,
            "report_only": result.report_only,  # --exit-zero: findings do not fail the run
        },
        "findings": [finding_json(f, show_secrets) for f in result.findings],
    }
    repositories = getattr(result, "repositories", None)  # audits: each one accounted for
    if repositories is not None:
        out["repositories"] = [r.to_json() for r in repositories]
    return out


def render(result: ScanResult, *, show_secrets: bool, color: bool) -> str:
    return json.dumps(report_dict(result, show_secrets), indent=2, ensure_ascii=False) + "\n"
