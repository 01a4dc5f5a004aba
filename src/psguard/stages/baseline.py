"""Baselines: record today's findings once, then fail only on new ones.

`psguard baseline create|update [PATH]` scans like `psguard scan` (working tree by
default; --staged, --history, --range/--since select other sources) and writes JSON:

    {"schema": "psguard-baseline/v1", "tool": "psguard 0.5.0", "mode": "history",
     "findings": [{"id": "…", "rule": "poolside-api-key", "sha256": "…",
                   "redacted": "ps-…Xy12",
                   "locations": [{"kind": "file", "path": "config/app.py"}]}]}

No raw key is ever written: a key is identified by the sha256 of its text, and shown by
its redacted form. Locations are the places a key was seen, by path from the
repository's top level (line numbers are left out, so edits around a key do not make it
new); locations without a path (commit messages, tag messages, notes) are recorded by
kind and commit.

`psguard scan --baseline FILE` (or `baseline = "…"` in the config) reports a finding only
when its key is not in the baseline, or when it also appears somewhere the baseline does
not list for it: a known key that spreads to a new file is new.

`create` refuses to overwrite an existing file; `update` rewrites it with the current
findings (keys no longer found are dropped) and says what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from psguard.errors import ConfigError
from psguard.models import Candidate, Finding, Record
from psguard.readfile import BASELINE_LIMIT, MissingFileError, read_capped
from psguard.version import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

SCHEMA = "psguard-baseline/v1"
DEFAULT_FILE = ".psguard-baseline.json"

HASH_KINDS = ("sha256", "sha1")


class Baseline(Record):
    """Known keys by (rule, hash) with the places each was known at, and path patterns
    (gitignore syntax, imported from ggshield) whose findings are all known."""

    __slots__ = ("keys", "sha1", "paths")

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], set[str]] = {}  # (rule, sha256) -> places
        self.sha1: dict[tuple[str, str], set[str]] = {}  # (rule, sha1) -> places
        self.paths: list[str] = []

    def path_matcher(self) -> Callable[[str], bool] | None:
        if not self.paths:
            return None
        import pathspec

        spec = pathspec.GitIgnoreSpec.from_lines(self.paths)
        return spec.match_file


def _top_relative(path: str, top: Path | None, scanned: Path | None) -> str:
    if top is None or scanned is None:
        return path
    base = scanned if scanned.is_dir() else scanned.parent
    try:
        rel = os.path.relpath(os.path.join(os.path.realpath(base), path),
                              os.path.realpath(top))
    except ValueError:
        return path
    return rel.replace(os.sep, "/")


def location_key(c: Candidate, top: Path | None, scanned: Path | None) -> str:
    o = c.origin
    if o.path:
        return _top_relative(o.path, top, scanned) if o.kind == "file" else o.path
    if o.kind == "stdin":
        return "stdin"
    return f"{o.kind}:{o.commit or ''}"


def _location_json(key: str, c: Candidate) -> dict[str, Any]:
    if c.origin.path:
        return {"kind": c.origin.kind, "path": key}
    return {"kind": c.origin.kind, "commit": c.origin.commit}


def _entry_keys(loc: dict[str, Any]) -> str:
    if loc.get("path"):
        return str(loc["path"])
    kind = loc.get("kind", "")
    return "stdin" if kind == "stdin" else f"{kind}:{loc.get('commit') or ''}"


def build(findings: list[Finding], mode: str, top: Path | None,
          scanned: Path | None) -> dict[str, Any]:
    entries = []
    for f in sorted(findings, key=lambda f: (f.rule, f.sha256)):
        locs: dict[str, dict[str, Any]] = {}
        for c in f.candidates:
            key = location_key(c, top, scanned)
            locs.setdefault(key, _location_json(key, c))
        entries.append({"id": f.fingerprint, "rule": f.rule, "sha256": f.sha256,
                        "redacted": f.redacted,
                        "locations": [locs[k] for k in sorted(locs)]})
    return {"schema": SCHEMA, "tool": f"psguard {__version__}", "mode": mode,
            "findings": entries}


def load_baseline(path: Path) -> Baseline:
    try:  # a regular file under 16 MB only (psguard.readfile)
        raw = read_capped(path, "baseline", BASELINE_LIMIT)
    except MissingFileError:
        raise ConfigError(f"baseline {path}: no such file (create it with "
                          "'psguard baseline create')") from None
    return parse_baseline(raw, str(path))


def parse_baseline(raw: bytes, path: str) -> Baseline:
    """A baseline's entries from its bytes; `path` names it in errors."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ConfigError(f"baseline {path}: not a psguard baseline (invalid JSON)") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ConfigError(f"baseline {path}: not a psguard baseline "
                          f"(expected \"schema\": \"{SCHEMA}\")")
    out = Baseline()
    items = data.get("findings")
    if not isinstance(items, list):
        raise ConfigError(f"baseline {path}: 'findings' must be a list")
    for item in items:
        kind = _hash_kind(item)
        if kind is None or not (isinstance(item.get("rule"), str)
                                and isinstance(item.get("locations", []), list)):
            raise ConfigError(f"baseline {path}: each finding needs 'rule', 'sha256' (or "
                              "'sha1') and 'locations'")
        table = out.keys if kind == "sha256" else out.sha1
        keys = table.setdefault((item["rule"], item[kind].lower()), set())
        keys.update(_entry_keys(loc) for loc in item.get("locations", [])
                    if isinstance(loc, dict))
    patterns = data.get("paths", [])
    if not isinstance(patterns, list) or not all(
            isinstance(p, dict) and isinstance(p.get("pattern"), str) for p in patterns):
        raise ConfigError(f"baseline {path}: 'paths' must be a list of "
                          "{\"pattern\": GLOB} objects")
    out.paths = [p["pattern"] for p in patterns]
    return out


def _hash_kind(item: object) -> str | None:
    """Which hash names the key: psguard's sha256, or an imported detect-secrets sha1."""
    if not isinstance(item, dict):
        return None
    for kind in HASH_KINDS:
        if isinstance(item.get(kind), str):
            return kind
    return None


def apply_baseline(findings: list[Finding], base: Baseline, *, top: Path | None,
                   scanned: Path | None) -> tuple[list[Finding], int]:
    """Findings that are new (key or place), and how many the baseline covered."""
    kept: list[Finding] = []
    covered = 0
    ignored = base.path_matcher()
    for f in findings:
        places = {location_key(c, top, scanned) for c in f.candidates
                  if ignored is None or not c.origin.path
                  or not ignored(location_key(c, top, scanned))}
        if not places:  # every place is under an ignored path
            covered += 1
            continue
        known = base.keys.get((f.rule, f.sha256))
        if known is None and base.sha1:
            # hashed in memory, as detect-secrets did; the raw key is never written
            digest = hashlib.sha1(f.secret.encode("utf-8")).hexdigest()
            known = base.sha1.get((f.rule, digest))
        if known is None:
            kept.append(f)
            continue
        new = sorted(places - known)
        if not new:
            covered += 1
            continue
        kept.append(f.replace(notes=[*f.notes, "this key is in the baseline, but not at: "
                                     + ", ".join(new)]))
    return kept, covered
