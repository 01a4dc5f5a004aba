"""What an audit reports: one finding per key across repositories, and every
repository with its status. Plain data; reports read these as they read a scan's."""

from __future__ import annotations

from typing import Any

from psguard.models import Finding, Name, Record, ScanResult


class RepoStatus(Name):
    SCANNED = "scanned"  # read in full
    INCOMPLETE = "incomplete"  # read, but not all of it (missing objects, a failed fetch)
    FAILED = "failed"  # not read: see the detail


class RepoReport(Record):
    """One repository of an audit: its URL (credentials stripped), how it went."""

    __slots__ = ("url", "status", "detail", "message", "stats", "findings")

    def __init__(self, url: str, status: str, detail: str | None = None,
                 message: str | None = None, stats: dict[str, Any] | None = None,
                 findings: int = 0) -> None:
        self.url = url
        self.status = RepoStatus(status)
        self.detail = detail  # failed: not found | authentication | network | corrupt | …
        self.message = message  # what git or psguard said, credentials scrubbed
        self.stats: dict[str, Any] = stats or {}
        self.findings = findings  # keys found in this repository

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "status": self.status, "detail": self.detail,
                "message": self.message, "findings": self.findings, "stats": self.stats}


class FleetFinding(Finding):
    """A key found across an audit. Where workers sent only fingerprints (a cluster
    reached over plain TCP beyond this machine), `secret` is empty and the hash,
    fingerprint and redacted form are the ones the workers computed."""

    __slots__ = ("repositories", "key_sha256", "key_fingerprint", "key_redacted")

    def __init__(self, rule: str, secret: str, confidence: str, *, sha256: str,
                 fingerprint: str, redacted: str, repositories: list[str]) -> None:
        super().__init__(rule, secret, confidence)
        self.repositories = repositories
        self.key_sha256 = sha256
        self.key_fingerprint = fingerprint
        self.key_redacted = redacted

    @property
    def sha256(self) -> str:
        return self.key_sha256

    @property
    def fingerprint(self) -> str:
        return self.key_fingerprint

    @property
    def redacted(self) -> str:
        return self.key_redacted


class AuditResult(ScanResult):
    """A ScanResult over many repositories: incomplete when any one is not scanned."""

    __slots__ = ("repositories",)

    def __init__(self, target: str) -> None:
        super().__init__("audit", target)
        self.repositories: list[RepoReport] = []
