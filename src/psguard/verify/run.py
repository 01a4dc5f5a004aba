"""Glue between the pipeline and the verifier: `scan --verify` and `psguard verify`."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from psguard.errors import UsageError
from psguard.escape import terminal
from psguard.models import Finding, Record, Verification, redact, sha256_hex
from psguard.usercache import cache_dir, is_inside
from psguard.verify.endpoints import (
    VerifySettings,
    load_user_config,
    resolve_endpoints,
    user_config_path,
)

if TYPE_CHECKING:
    from psguard.verify.cache import VerifyCache

KEY_RE = re.compile(r"ps-[A-Za-z0-9_-]+")


class VerifyRequest(Record):
    """What the command line asked for; everything else comes from the user config."""

    __slots__ = ("endpoints", "scanned_root", "timeout", "deadline", "no_cache")

    def __init__(self, endpoints: list[str], scanned_root: Path | None = None,
                 timeout: float | None = None, deadline: float | None = None,
                 no_cache: bool = False) -> None:
        self.endpoints = endpoints
        self.scanned_root = scanned_root
        self.timeout = timeout  # --verify-timeout: connect and read timeout
        self.deadline = deadline  # --verify-deadline
        self.no_cache = no_cache


def _positive(value: float | None, flag: str) -> float | None:
    if value is not None and not value > 0:
        raise UsageError(f"{flag} must be greater than 0 (seconds)")
    return value


def user_enabled(scanned_root: Path | None) -> bool:
    """`[verify] enabled = true` in the user's own config (not one inside the scan)."""
    path = user_config_path()
    if scanned_root is not None and is_inside(path, scanned_root):
        return False
    return load_user_config(path).enabled


def verify_secrets(secrets: Sequence[str], req: VerifyRequest,
                   err: TextIO | None = None) -> dict[str, Verification]:
    """Status of each unique secret; progress and warnings go to `err` (stderr)."""
    from psguard.verify.client import Verifier

    err = err or sys.stderr
    timeout = _positive(req.timeout, "--verify-timeout")
    deadline = _positive(req.deadline, "--verify-deadline")
    choice = resolve_endpoints(req.endpoints, req.scanned_root)
    for warning in choice.warnings:
        print(f"psguard: warning: {terminal(warning)}", file=err)
    settings: VerifySettings = choice.user.settings.replace()
    if timeout is not None:
        settings.read_timeout = timeout
        settings.connect_timeout = min(settings.connect_timeout, timeout)
    if deadline is not None:
        settings.deadline = deadline
    unique = list(dict.fromkeys(secrets))
    if not unique:
        return {}
    cache = _open_cache(settings, req, err) if settings.cache and not req.no_cache else None
    if err.isatty():
        print(f"psguard: verifying {len(unique)} key(s) against "
              f"{', '.join(choice.endpoints)}", file=err)
    verifier = Verifier(choice.endpoints, settings, cache)
    results = verifier.verify(unique)
    left = sum(1 for r in results.values()
               if r.status == "unknown" and "deadline" in r.detail)
    if left:
        print(f"psguard: warning: verification deadline ({settings.deadline:g} s) reached; "
              f"{left} key(s) left unknown", file=err)
    return {k: Verification(r.status, r.endpoint, r.detail, r.reach)
            for k, r in results.items()}


def _open_cache(settings: VerifySettings, req: VerifyRequest, err: TextIO
                ) -> VerifyCache | None:
    """The user's verification cache; not one inside the scanned directory, which the
    scanned content could have shipped ("rejected" would let a live key through)."""
    from psguard.verify.cache import CACHE_FILE, VerifyCache

    path = cache_dir() / CACHE_FILE
    if req.scanned_root is not None and is_inside(path, req.scanned_root):
        print(f"psguard: warning: {terminal(str(path))}: not using the verification "
              "cache: it is inside the scanned directory", file=err)
        return None
    return VerifyCache(path, ttl_live=settings.cache_ttl_live,
                       ttl_rejected=settings.cache_ttl_rejected)


def verify_findings(findings: list[Finding], req: VerifyRequest) -> list[Finding]:
    """The findings with their `verification` (one check per unique key and endpoint)."""
    statuses = verify_secrets([f.secret for f in findings], req)
    return [f.replace(verification=statuses[f.secret]) if f.secret in statuses else f
            for f in findings]


def read_keys(stream: TextIO) -> tuple[list[str], list[str]]:
    """Keys from standard input, one a line; blank lines and # comments skipped.

    Returns (keys, lines that are not keys); neither is ever echoed raw.
    """
    keys: list[str] = []
    bad: list[str] = []
    for line in stream:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.lower().startswith("bearer "):
            text = text[7:].strip()
        (keys if KEY_RE.fullmatch(text) else bad).append(text)
    return list(dict.fromkeys(keys)), list(dict.fromkeys(bad))


def verify_command(req: VerifyRequest, fmt: str, fail_on: set[str],
                   stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """`psguard verify`: keys on stdin, a status per key on stdout."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    if stdin.isatty():
        print("psguard: reading keys from standard input, one a line "
              "(end with Ctrl-D)", file=sys.stderr)
    keys, bad = read_keys(stdin)
    if not keys and not bad:
        raise UsageError("no keys on standard input (one a line), e.g. "
                         "`psguard verify < keys.txt`")
    statuses = verify_secrets(keys, req)
    rows: list[tuple[str, Verification]] = [(k, statuses[k]) for k in keys]
    rows += [(b, Verification("not_checked", None,
                              "not a Poolside key (ps-…); not sent anywhere")) for b in bad]
    order = {"live": 0, "unknown": 1, "not_checked": 2, "rejected": 3}
    rows.sort(key=lambda r: order.get(r[1].status, 2))
    if fmt == "json":
        doc: dict[str, Any] = {"schema": "psguard/verify/v1", "keys": [
            {"redacted": redact(k), "sha256": sha256_hex(k), "verification": v.to_json()}
            for k, v in rows]}
        out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    else:
        for k, v in rows:
            line = f"{redact(k)}  {v.status.replace('_', ' ')}"
            if v.detail:
                line += f"  {v.detail}"
            if v.status == "live" and v.reach:  # still one line a key
                line += f"; can reach: {_reach_text(v.reach)}"
            out.write(terminal(line) + "\n")  # the detail and reach quote the server
    out.flush()
    return 1 if any(v.status in fail_on for _, v in rows) else 0


def _reach_text(reach: dict[str, Any]) -> str:
    from psguard.report.describe import reach_summary

    return reach_summary(reach) or ""
