"""`psguard baseline import`: peers' entries mapped onto what psguard finds (pure).

Only an entry that is a Poolside key psguard finds becomes a key entry of the baseline:
a raw secret (gitleaks, kingfisher reports) by its sha256; a hash (detect-secrets'
sha1, ggshield's sha256) by hashing each key psguard found, in memory, the same way; a
place (gitleaks fingerprints, kingfisher baselines) by a key psguard found at that file
and line. A path pattern (ggshield's ignored_paths) becomes a path ignore. Everything
else is returned as not imported, with the reason: never dropped in silence.

A detect-secrets entry keeps its sha1 (`"sha1"` instead of `"sha256"` in the baseline),
so the baseline matches a finding by hashing its key the same way; no raw key is ever
written.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from psguard.models import Finding, Record
from psguard.stages.baseline import location_key
from psguard.stages.peers import PeerEntry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# ggshield's ignore sha for a one-match secret is sha256("<secret>,<match type>")
GGSHIELD_MATCH_TYPES = ("apikey", "api_key", "secret", "client_secret", "token", "password",
                        "key")
NOT_FOUND = "not a Poolside key psguard finds in this scan"


class ImportPlan(Record):
    """What an import adds: key entries (baseline JSON), path patterns, and the peer
    entries that could not be mapped, as (where, reason)."""

    __slots__ = ("keys", "paths", "unmapped", "read")

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str, str], dict[str, Any]] = {}  # (rule, hash, digest)
        self.paths: list[dict[str, str]] = []
        self.unmapped: list[tuple[str, str]] = []
        self.read = 0  # peer entries read


class _Index:
    """The scan's findings, looked up by hash and by place."""

    def __init__(self, findings: list[Finding], top: Path | None,
                 scanned: Path | None) -> None:
        self.by_hash: dict[tuple[str, str], Finding] = {}
        self.by_place: dict[tuple[str, int], list[Finding]] = {}
        self.places: dict[str, list[str]] = {}
        for f in findings:
            raw = f.secret.encode("utf-8")
            self.by_hash[("sha256", f.sha256)] = f
            self.by_hash[("sha1", hashlib.sha1(raw).hexdigest())] = f
            for t in GGSHIELD_MATCH_TYPES:
                joined = f"{f.secret},{t}".encode()
                self.by_hash.setdefault(("sha256", hashlib.sha256(joined).hexdigest()), f)
            keys = []
            for c in f.candidates:
                key = location_key(c, top, scanned)
                keys.append(key)
                if c.line is not None:
                    found = self.by_place.setdefault((key, c.line), [])
                    if f not in found:
                        found.append(f)
            self.places[f.sha256] = sorted(set(keys))


def plan_import(entries: list[PeerEntry], findings: list[Finding], source: str, *,
                top: Path | None, scanned: Path | None) -> ImportPlan:
    """Map `entries` (from the tool named `source`) onto the scan's findings."""
    index = _Index(findings, top, scanned)
    plan = ImportPlan()
    plan.read = len(entries)
    for e in entries:
        if e.what == "path":
            assert e.path is not None
            if all(p["pattern"] != e.path for p in plan.paths):
                plan.paths.append({"pattern": e.path, "from": source})
        elif e.what == "unusable":
            plan.unmapped.append((e.where, e.reason or "not usable"))
        elif e.what == "place":
            hits = index.by_place.get((e.path or "", e.line or 0), [])
            if not hits:
                plan.unmapped.append((e.where, f"{NOT_FOUND} at {e.path}:{e.line}"))
            for f in hits:
                _add(plan, f, "sha256", f.sha256, [e.path or ""], source)
        else:
            found = _by_secret_or_hash(index, e)
            if found is None:
                plan.unmapped.append((e.where, NOT_FOUND))
                continue
            # detect-secrets' sha1 is kept as such; every other form by psguard's sha256
            kind, digest = ("sha1", e.digest or "") if e.algorithm == "sha1" else \
                ("sha256", found.sha256)
            # an entry with no path (ggshield) ignores the key wherever psguard sees it now
            places = [e.path] if e.path else index.places[found.sha256]
            _add(plan, found, kind, digest, places, source)
    return plan


def _by_secret_or_hash(index: _Index, e: PeerEntry) -> Finding | None:
    if e.secret is not None:
        digest = hashlib.sha256(e.secret.encode("utf-8")).hexdigest()
        return index.by_hash.get(("sha256", digest))
    return index.by_hash.get((e.algorithm or "", e.digest or ""))


def _add(plan: ImportPlan, f: Finding, kind: str, digest: str, paths: list[str],
         source: str) -> None:
    entry = plan.keys.setdefault((f.rule, kind, digest), {
        "rule": f.rule, kind: digest, "redacted": f.redacted, "locations": [],
        "from": source})
    for path in paths:
        loc = {"kind": "file", "path": path}
        if loc not in entry["locations"]:
            entry["locations"].append(loc)


def merge_into(data: dict[str, Any], plan: ImportPlan) -> tuple[int, int]:
    """Add the plan to a baseline's JSON (in place); how many key entries and path
    patterns were new to it."""
    findings: list[dict[str, Any]] = data.setdefault("findings", [])
    new_keys = 0
    for (rule, kind, digest), entry in sorted(plan.keys.items()):
        same = next((x for x in findings if x.get("rule") == rule
                     and x.get(kind) == digest), None)
        if same is None:
            findings.append(entry)
            new_keys += 1
            continue
        known = same.setdefault("locations", [])
        known.extend(loc for loc in entry["locations"] if loc not in known)
    paths: list[dict[str, str]] = data.setdefault("paths", [])
    have = {p.get("pattern") for p in paths}
    added = [p for p in plan.paths if p["pattern"] not in have]
    paths.extend(added)
    if not paths:
        del data["paths"]
    return new_keys, len(added)
