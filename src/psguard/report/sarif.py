"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

One result per location (GitHub shows one alert per result), rule metadata with help
text in plain text and Markdown, partial fingerprints so alerts stay stable as lines
move. No raw key unless --show-secrets.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from psguard.models import Candidate, Finding, ScanResult
from psguard.report.describe import policy_change_text, reach_line, report_only_text
from psguard.report.guidance import (
    exposure_label,
    shown_secret,
    status_label,
    step_line,
    step_text,
    steps,
)
from psguard.stages.remediation import general_steps
from psguard.version import __version__

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "psguardFindingLocation/v1"

_RULE_NAMES = {"poolside-api-key": ("PoolsideApiKey", "Poolside API key")}

_INTRO = ("A Poolside API key (ps-…) was found in the scanned content. Anyone who can read "
          "this content can use the key to call the Poolside API as its owner.")
_INTRO_MARKDOWN = ("A **Poolside API key** (`ps-…`) was found in the scanned content. Anyone "
                   "who can read this content can use the key to call the Poolside API as "
                   "its owner.")


def _help() -> dict[str, str]:
    """Rule help: the advice for a key whose facts are not known, in remediation's words."""
    advice = general_steps()
    text = [f"{i}. {step_line(s)}" for i, s in enumerate(advice, 1)]
    markdown = [f"{i}. {step_line(s, lambda c: f'`{c}`')}" for i, s in enumerate(advice, 1)]
    return {"text": f"{_INTRO}\n\nWhat to do:\n" + "\n".join(text),
            "markdown": f"{_INTRO_MARKDOWN}\n\n**What to do**\n\n" + "\n".join(markdown)}


_LEVELS = {"live": "error", "unknown": "error", "not_checked": "error", "rejected": "warning"}


def rule_descriptor(rule_id: str) -> dict[str, Any]:
    name, title = _RULE_NAMES.get(rule_id, (rule_id, rule_id))
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": f"{title} in source or history"},
        "fullDescription": {"text": f"A {title} was committed, staged or written where "
                                    "others can read it."},
        "help": _help(),
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["security", "secret", "credential"], "precision": "high",
                       "problem.severity": "error", "security-severity": "9.0"},
    }


def _uri(path: str) -> str:
    return quote(path.replace("\\", "/"), safe="/")


def _region(c: Candidate, f: Finding, show_secrets: bool) -> dict[str, Any] | None:
    if c.line is None:
        return None
    region: dict[str, Any] = {"startLine": c.line}
    if c.column is not None:
        region["startColumn"] = c.column
        region["endColumn"] = c.column + len(f.secret)
    if c.masked_line:
        line = c.masked_line.replace(f.redacted, f.secret) if show_secrets else c.masked_line
        region["snippet"] = {"text": line}
    return region


def _location(c: Candidate, f: Finding, show_secrets: bool) -> dict[str, Any]:
    o = c.origin
    loc: dict[str, Any] = {}
    physical: dict[str, Any]
    if o.path and o.kind in ("file", "blob"):
        physical = {"artifactLocation": {"uri": _uri(o.path),
                                                         "uriBaseId": "%SRCROOT%"}}
        region = _region(c, f, show_secrets)
        if region:
            physical["region"] = region
        loc["physicalLocation"] = physical
    else:
        # Commit and tag messages, notes, stashes, standard input: not a file in the tree.
        # GitHub code scanning rejects a whole SARIF file if any result lacks a physical
        # artifact location, so these get a descriptive pseudo-path (git/<kind>/<id>) as
        # well as a logical location saying what they really are.
        name = o.commit or o.path or o.kind
        pseudo = "stdin" if o.kind == "stdin" else f"git/{o.kind}/{name}"
        physical = {"artifactLocation": {"uri": _uri(pseudo), "uriBaseId": "%SRCROOT%"}}
        region = _region(c, f, show_secrets)
        if region:
            physical["region"] = region
        loc["physicalLocation"] = physical
        loc["logicalLocations"] = [{"name": name, "kind": o.kind,
                                    "fullyQualifiedName": f"{o.kind}:{name}"}]
    props: dict[str, Any] = {"kind": o.kind}
    if o.repository:  # audits: the repository the path is in
        props["repository"] = o.repository
    if o.commit:
        props["commit"] = o.commit
    if o.decoded_from:
        props["decodedFrom"] = o.decoded_from
    loc["properties"] = props
    return loc


def _message(f: Finding, c: Candidate, show_secrets: bool) -> str:
    where = ""
    o = c.origin
    if o.kind in ("commit-message", "tag-message", "note", "stash"):
        where = f" in a {o.kind.replace('-', ' ')}" + (f" ({o.commit[:12]})" if o.commit else "")
    elif o.commit:
        where = f" (commit {o.commit[:12]})"
    if o.decoded_from:
        where += f", decoded from {o.decoded_from}"
    first = step_text(steps(f)[0]) if steps(f) else ""
    text = (f"Poolside API key {shown_secret(f, show_secrets)}{where}. "
            f"Verification: {status_label(f.verification.status)}; exposure: {exposure_label(f)}.")
    if f.pre_existing:
        text += " Already in HEAD before this change."
    if reach_line(f):
        text += f" {reach_line(f)}."
    if first:
        text += f" {first}."
    return text


def _fingerprint(f: Finding, c: Candidate, occurrence: int) -> str:
    where = c.origin.path or c.origin.commit or ""
    if c.origin.repository:
        where = f"{c.origin.repository}:{where}"
    place = f"{f.fingerprint}:{c.origin.kind}:{where}:{occurrence}"
    return hashlib.sha256(place.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _policy_notifications(result: ScanResult) -> list[dict[str, Any]]:
    """One warning about psguard's configuration when the change modifies it, at
    each policy file it modifies."""
    text = policy_change_text(result)
    if text is None:
        return []
    return [{"level": "warning", "descriptor": {"id": "psguard/policy-change"},
             "message": {"text": text},
             "locations": [{"physicalLocation": {"artifactLocation": {
                 "uri": _uri(p), "uriBaseId": "%SRCROOT%"}}}
                 for p in result.policy_changes]}]


def sarif_dict(result: ScanResult, show_secrets: bool) -> dict[str, Any]:
    rule_ids = sorted({f.rule for f in result.findings} | {"poolside-api-key"})
    rules = [rule_descriptor(r) for r in rule_ids]
    index = {r: i for i, r in enumerate(rule_ids)}
    results: list[dict[str, Any]] = []
    for f in result.findings:
        seen: dict[tuple[str, str], int] = {}
        for c in f.candidates:
            place = (c.origin.kind, (c.origin.repository or "") + ":"
                     + (c.origin.path or c.origin.commit or ""))
            occurrence = seen.get(place, 0)
            seen[place] = occurrence + 1
            level = "note" if f.pre_existing else _LEVELS.get(f.verification.status, "error")
            props: dict[str, Any] = {
                "findingId": f.fingerprint, "redacted": f.redacted, "secretSha256": f.sha256,
                "confidence": f.confidence, "verification": f.verification.status,
                "exposure": f.exposure, "preExisting": f.pre_existing,
            }
            if f.verification.reach and f.verification.status == "live":
                props["reach"] = f.verification.reach
            if show_secrets:
                props["secret"] = f.secret
            results.append({
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": level,
                "message": {"text": _message(f, c, show_secrets)},
                "locations": [_location(c, f, show_secrets)],
                "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(f, c, occurrence)},
                "properties": props,
            })
    notifications = [{"level": "warning" if p.incomplete else "note",
                      "message": {"text": f"{p.kind}: {p.target}: {p.detail}"}}
                     for p in result.problems]
    report_only = report_only_text(result)
    if report_only:  # a gate that cannot fail says so where its result is read
        notifications.insert(0, {"level": "warning",
                                 "descriptor": {"id": "psguard/report-only"},
                                 "message": {"text": report_only}})
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "psguard", "version": __version__,
                            "semanticVersion": __version__, "rules": rules}},
        "invocations": [{"executionSuccessful": result.complete,
                         "toolExecutionNotifications": notifications,
                         "toolConfigurationNotifications": _policy_notifications(result)}],
        "originalUriBaseIds": {"%SRCROOT%": {"description": {
            "text": "The root of the scanned repository or directory."}}},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"mode": result.mode, "suppressed": result.suppressed,
                       "policyFrom": result.policy_from,
                       "policyChanges": result.policy_changes,
                       "reportOnly": result.report_only,
                       **_repositories(result)},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _repositories(result: ScanResult) -> dict[str, Any]:
    repositories = getattr(result, "repositories", None)  # audits
    return {} if repositories is None else {
        "repositories": [r.to_json() for r in repositories]}


def render(result: ScanResult, *, show_secrets: bool, color: bool) -> str:
    return json.dumps(sarif_dict(result, show_secrets), indent=2, ensure_ascii=False) + "\n"
