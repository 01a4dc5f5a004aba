"""Other scanners' ignore lists and baselines, read into plain entries (pure: bytes in).

What each format holds, and what psguard can do with it:

  gitleaks   .gitleaksignore       fingerprints `commit:file:rule:line` (git scans) and
                                   `file:rule:line` (dir scans): a place, no secret
             JSON report           (--baseline-path) a list of findings with `Secret`,
                                   `File`, `StartLine`, `Commit`, `RuleID`: a raw secret
  kingfisher JSON report           `{"findings": [{"rule": {...}, "finding": {"snippet",
                                   "path", "line", ...}}]}` then a summary line: a raw secret
             baseline (YAML)       `repositories: [{findings: [{path, line, rule_id,
                                   fingerprint}]}]`: a place (its fingerprint is
                                   kingfisher's own hash, not of the secret alone)
  detect-secrets .secrets.baseline `results: {file: [{type, hashed_secret, line_number}]}`:
                                   the sha1 of the secret
  ggshield   .gitguardian.yaml     `secret: {ignored_matches: [{name, match}],
                                   ignored_paths: [glob]}` (v1: `matches-ignore`,
                                   `paths-ignore`): a sha256 of the secret, or a glob

A raw secret read here stays in memory: it is only compared with what psguard finds.
"""

from __future__ import annotations

import json
import re

from psguard.errors import ConfigError
from psguard.models import FrozenRecord

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FORMATS = ("gitleaks", "kingfisher", "detect-secrets", "ggshield")
_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


class PeerEntry(FrozenRecord):
    """One line of a peer's file. `what` says which fields carry it:
    "secret" (secret), "hash" (algorithm, digest), "place" (path, line, commit),
    "path" (glob), "unusable" (reason); `where` names it in messages (no secret)."""

    __slots__ = ("what", "where", "rule", "secret", "algorithm", "digest", "path", "line",
                 "commit", "reason")

    def __init__(self, what: str, where: str, *, rule: str | None = None,
                 secret: str | None = None, algorithm: str | None = None,
                 digest: str | None = None, path: str | None = None,
                 line: int | None = None, commit: str | None = None,
                 reason: str | None = None) -> None:
        self.what = what
        self.where = where
        self.rule = rule  # the peer's rule or detector name
        self.secret = secret
        self.algorithm = algorithm
        self.digest = digest
        self.path = _clean_path(path) if path else path
        self.line = line
        self.commit = commit
        self.reason = reason

    def __repr__(self) -> str:  # never the secret
        return f"PeerEntry({self.what}, {self.where})"


def _clean_path(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def detect_format(raw: bytes, name: str) -> str:
    """Which peer wrote this file, from its name and shape."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if base == ".gitleaksignore":
        return "gitleaks"
    if base in (".gitguardian.yaml", ".gitguardian.yml"):
        return "ggshield"
    if base == ".secrets.baseline":
        return "detect-secrets"
    text = raw.decode("utf-8", "replace").lstrip("\ufeff")
    data = _first_json(text)
    if isinstance(data, list):
        return "gitleaks"
    if isinstance(data, dict):
        if "results" in data:
            return "detect-secrets"
        if "findings" in data:
            return "kingfisher"
    if data is None and _looks_like_yaml(text):
        loaded = _yaml(text, name)
        if isinstance(loaded, dict):
            if "repositories" in loaded or "fingerprint_algorithm" in loaded:
                return "kingfisher"
            if {"secret", "matches-ignore", "paths-ignore"} & set(loaded):
                return "ggshield"
    if data is None and all(_fingerprint(line) for line in _lines(text)) and _lines(text):
        return "gitleaks"
    raise ConfigError(f"{name}: not a file psguard can import (gitleaks, kingfisher, "
                      "detect-secrets or ggshield); name the tool with --from")


def parse_peer(raw: bytes, name: str, fmt: str) -> list[PeerEntry]:
    """The entries of a peer's file in format `fmt` (one of FORMATS)."""
    text = raw.decode("utf-8", "replace").lstrip("\ufeff")
    if fmt == "gitleaks":
        data = _first_json(text)
        return _gitleaks_report(data, name) if data is not None else \
            _gitleaks_ignore(text, name)
    if fmt == "kingfisher":
        data = _first_json(text)
        return _kingfisher_report(data, name) if data is not None else \
            _kingfisher_baseline(_yaml(text, name), name)
    if fmt == "detect-secrets":
        return _detect_secrets(_first_json(text), name)
    return _ggshield(_yaml(text, name), name)


# --- reading the containers -----------------------------------------------------------

def _first_json(text: str) -> Any:
    """The first JSON value (kingfisher prints a summary object after its report), or
    None when the text is not JSON."""
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(stripped)
    except json.JSONDecodeError:
        return None
    return value


def _looks_like_yaml(text: str) -> bool:
    return bool(re.search(r"(?m)^[A-Za-z_][\w-]*:", text))


def _yaml(text: str, name: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{name}: not valid YAML{at}") from None


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            out.append((n, line))
    return out


def _need(cond: bool, name: str, what: str) -> None:
    if not cond:
        raise ConfigError(f"{name}: {what}")


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


# --- gitleaks ---------------------------------------------------------------------------

def _fingerprint(item: tuple[int, str]) -> tuple[str | None, str, str, int] | None:
    """`commit:file:rule:line` or `file:rule:line` (a file name may hold colons)."""
    parts = item[1].split(":")
    if len(parts) < 3 or not parts[-1].isdigit():
        return None
    commit = parts[0] if len(parts) >= 4 and _HEX40.match(parts[0]) else None
    path = ":".join(parts[1 if commit else 0:-2])
    return (commit, path, parts[-2], int(parts[-1])) if path else None


def _gitleaks_ignore(text: str, name: str) -> list[PeerEntry]:
    out = []
    for n, line in _lines(text):
        found = _fingerprint((n, line))
        where = f"{name}:{n}"
        if found is None:
            out.append(PeerEntry("unusable", where, reason="not a gitleaks fingerprint "
                                 "(commit:file:rule:line or file:rule:line)"))
            continue
        commit, path, rule, number = found
        out.append(PeerEntry("place", where, rule=rule, path=path, line=number,
                             commit=commit))
    return out


def _gitleaks_report(data: Any, name: str) -> list[PeerEntry]:
    _need(isinstance(data, list), name, "a gitleaks report is a JSON list of findings")
    out = []
    for i, item in enumerate(data, 1):
        where = f"{name}[{i}]"
        if not isinstance(item, dict) or not _str(item.get("Secret")):
            out.append(PeerEntry("unusable", where, reason="no Secret in this finding"))
            continue
        out.append(PeerEntry("secret", where, rule=_str(item.get("RuleID")),
                             secret=item["Secret"], path=_str(item.get("File")),
                             line=_int(item.get("StartLine")),
                             commit=_str(item.get("Commit"))))
    return out


# --- kingfisher -------------------------------------------------------------------------

def _kingfisher_report(data: Any, name: str) -> list[PeerEntry]:
    _need(isinstance(data, dict) and isinstance(data.get("findings"), list), name,
          "a kingfisher report has a 'findings' list")
    out = []
    for i, item in enumerate(data["findings"], 1):
        where = f"{name}[{i}]"
        finding = item.get("finding") if isinstance(item, dict) else None
        rule = item.get("rule") if isinstance(item, dict) else None
        rule_id = _str(rule.get("id")) if isinstance(rule, dict) else None
        if not isinstance(finding, dict) or not _str(finding.get("snippet")):
            out.append(PeerEntry("unusable", where, rule=rule_id,
                                 reason="no snippet in this finding"))
            continue
        commit = None
        git = finding.get("git_metadata")
        if isinstance(git, dict) and isinstance(git.get("commit"), dict):
            commit = _str(git["commit"].get("id"))
        out.append(PeerEntry("secret", where, rule=rule_id, secret=finding["snippet"],
                             path=_str(finding.get("path")),
                             line=_int(finding.get("line")), commit=commit))
    return out


def _kingfisher_baseline(data: Any, name: str) -> list[PeerEntry]:
    _need(isinstance(data, dict) and isinstance(data.get("repositories"), list), name,
          "a kingfisher baseline has a 'repositories' list")
    out = []
    for r, repo in enumerate(data["repositories"], 1):
        items = repo.get("findings") if isinstance(repo, dict) else None
        for i, item in enumerate(items if isinstance(items, list) else [], 1):
            where = f"{name}:repositories[{r}].findings[{i}]"
            if not isinstance(item, dict) or not _str(item.get("path")):
                out.append(PeerEntry("unusable", where, reason="no path in this entry"))
                continue
            out.append(PeerEntry("place", where, rule=_str(item.get("rule_id")),
                                 path=item["path"], line=_int(item.get("line"))))
    return out


# --- detect-secrets ---------------------------------------------------------------------

def _detect_secrets(data: Any, name: str) -> list[PeerEntry]:
    _need(isinstance(data, dict) and isinstance(data.get("results"), dict), name,
          "a detect-secrets baseline has a 'results' object")
    out = []
    for path, items in data["results"].items():
        for i, item in enumerate(items if isinstance(items, list) else [], 1):
            where = f"{name}:{path}[{i}]"
            digest = item.get("hashed_secret") if isinstance(item, dict) else None
            if not isinstance(digest, str) or not _HEX40.match(digest.lower()):
                out.append(PeerEntry("unusable", where, reason="no sha1 hashed_secret"))
                continue
            out.append(PeerEntry("hash", where, rule=_str(item.get("type")),
                                 algorithm="sha1", digest=digest.lower(),
                                 path=_str(item.get("filename")) or str(path),
                                 line=_int(item.get("line_number"))))
    exclude = data.get("exclude")
    for key in ("files", "lines"):
        if isinstance(exclude, dict) and _str(exclude.get(key)):
            out.append(PeerEntry("unusable", f"{name}:exclude.{key}",
                                 reason="a regular expression; psguard's exclude takes "
                                        "gitignore globs (add them to .psguard.toml)"))
    return out


# --- ggshield ---------------------------------------------------------------------------

def _ggshield(data: Any, name: str) -> list[PeerEntry]:
    _need(isinstance(data, dict), name, "a .gitguardian.yaml is a YAML mapping")
    section = data.get("secret") if isinstance(data.get("secret"), dict) else data
    matches = section.get("ignored_matches", section.get("matches-ignore")) or []
    paths = section.get("ignored_paths", section.get("paths-ignore")) or []
    out = []
    for i, item in enumerate(matches if isinstance(matches, list) else [], 1):
        where = f"{name}:ignored_matches[{i}]"
        match = item.get("match") if isinstance(item, dict) else item
        label = _str(item.get("name")) if isinstance(item, dict) else None
        if not isinstance(match, str) or not match:
            out.append(PeerEntry("unusable", where, reason="no match"))
        elif _HEX64.match(match):
            out.append(PeerEntry("hash", where, rule=label, algorithm="sha256",
                                 digest=match.lower()))
        else:  # older ggshield versions also ignore a match by its text
            out.append(PeerEntry("secret", where, rule=label, secret=match))
    for i, glob in enumerate(paths if isinstance(paths, list) else [], 1):
        where = f"{name}:ignored_paths[{i}]"
        if _str(glob):
            out.append(PeerEntry("path", where, path=str(glob)))
        else:
            out.append(PeerEntry("unusable", where, reason="not a path pattern"))
    for key in ("ignored_detectors", "banlist-detector"):
        for detector in section.get(key) or []:
            out.append(PeerEntry("unusable", f"{name}:{key}", rule=str(detector),
                                 reason="a GitGuardian detector name; psguard has no "
                                        "such detector to turn off"))
    return out
