"""Plain data passed between the pipeline stages.

Nothing here does I/O. Every class is picklable so that worker processes
(history scans) can hand candidates back to the parent.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

CONFIDENCE_ORDER = {"low": 0, "medium": 1, "high": 2}
EXPOSURE_ORDER = {"working-tree": 0, "staged": 1, "local": 2, "pushed": 3}


@dataclass(frozen=True)
class Origin:
    """Where a chunk of bytes came from."""

    kind: str  # file | blob | commit-message | tag-message | note | stash | stdin
    path: str | None = None
    commit: str | None = None
    blob: str | None = None
    author: str | None = None
    date: str | None = None
    decoded_from: str | None = None  # e.g. "base64", "utf-16le", "zip:member.txt"


@dataclass(frozen=True)
class Chunk:
    """Bytes to scan plus their origin."""

    data: bytes
    origin: Origin


@dataclass(frozen=True)
class Candidate:
    """One occurrence of a secret that passed the rule's filters."""

    rule: str
    secret: str
    confidence: str
    origin: Origin
    line: int | None
    column: int | None
    offset: int
    masked_line: str | None = None  # the source line with the secret redacted
    suppressed: bool = False  # an inline allow comment sits on the same line

    @property
    def confidence_rank(self) -> int:
        return CONFIDENCE_ORDER[self.confidence]


@dataclass
class Verification:
    status: str = "not_checked"  # not_checked | live | rejected | unknown
    endpoint: str | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "endpoint": self.endpoint, "detail": self.detail}


@dataclass
class Remediation:
    text: str
    command: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "command": self.command}


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# Anything shaped like a key, in text we did not write ourselves (exception messages,
# config values, argparse errors).
_KEYISH = re.compile(r"ps-[A-Za-z0-9_-]{6,}")


def scrub_keys(text: str) -> str:
    """Redact anything key-shaped: for messages that might quote scanned content."""
    return _KEYISH.sub(lambda m: redact(m.group(0)), text)


def redact(secret: str, prefix: str = "ps-") -> str:
    """Prefix plus the last four characters: the only form shown by default."""
    head = prefix if secret.startswith(prefix) else ""
    return f"{head}…{secret[-4:]}"


@dataclass
class ExposureDetail:
    """Where in git a finding's key sits (scanner/exposure.py); feeds remediation."""

    only_in: list[str] = field(default_factory=list)  # stash|tag|note|reflog|unreachable
    published_by: str | None = None  # a ref that publishes it, or "no-remotes"
    local_commits: list[str] = field(default_factory=list)  # unpushed holders, oldest first
    commits: list[str] = field(default_factory=list)  # every commit seen holding it
    head: str | None = None  # HEAD's commit id, when HEAD holds the key
    root_commits: list[str] = field(default_factory=list)  # holders without a parent
    staged_paths: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)  # files (work tree or committed)
    stashes: list[str] = field(default_factory=list)  # stash@{n}
    tags: list[str] = field(default_factory=list)  # tag names that hold it
    notes_refs: list[str] = field(default_factory=list)  # e.g. refs/notes/commits
    note_targets: list[str] = field(default_factory=list)  # commits the notes annotate
    remote: str | None = None  # a remote name to push to or query
    repo_dir: str | None = None  # the repository's directory name (for sibling clones)

    def to_json(self) -> dict[str, Any]:
        return {"only_in": self.only_in or None, "published_by": self.published_by,
                "local_commits": self.local_commits, "stashes": self.stashes,
                "tags": self.tags, "notes_refs": self.notes_refs}


@dataclass
class Finding:
    """One unique secret with every place it was seen."""

    rule: str
    secret: str
    confidence: str
    candidates: list[Candidate] = field(default_factory=list)
    verification: Verification = field(default_factory=Verification)
    exposure: str | None = "working-tree"  # None: not in a repository (stdin)
    first_seen: dict[str, str | None] | None = None
    remediation: list[Remediation] = field(default_factory=list)
    pre_existing: bool = False  # already in HEAD (staged scans): reported, not blocking
    refs: list[str] = field(default_factory=list)  # git refs whose history holds the key
    present_at_head: bool | None = None  # history scans: HEAD's tree still holds it
    notes: list[str] = field(default_factory=list)
    exposure_detail: ExposureDetail | None = None  # set by scanner/exposure.py

    @property
    def sha256(self) -> str:
        return sha256_hex(self.secret)

    @property
    def fingerprint(self) -> str:
        """Stable id used by .psguardignore: independent of where the key sits."""
        return hashlib.sha256(f"{self.rule}:{self.sha256}".encode()).hexdigest()[:20]

    @property
    def redacted(self) -> str:
        return redact(self.secret)


@dataclass(frozen=True)
class Problem:
    """Something the scan could not read, or chose to skip."""

    kind: str  # unreadable | missing-object | too-large | not-scanned | warning
    target: str
    detail: str
    incomplete: bool = True  # False for deliberate skips that do not make the scan partial

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "target": self.target, "detail": self.detail}


@dataclass
class ScanStats:
    files: int = 0
    blobs: int = 0
    bytes: int = 0
    commits: int = 0
    seconds: float = 0.0


@dataclass
class ScanResult:
    mode: str
    target: str
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stats: ScanStats = field(default_factory=ScanStats)
    suppressed: int = 0  # findings hidden by inline allow, ignore file or baseline
    # the same, by cause: "inline", "ignore-file", "baseline" (suppress.py)
    suppressed_by: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not any(p.incomplete for p in self.problems)
