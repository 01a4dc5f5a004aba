"""Plain data passed between the pipeline stages.

Nothing here does I/O. Every class is picklable so that worker processes
(history scans) can hand candidates back to the parent.
"""

from __future__ import annotations

import os
import re
from enum import Enum  # re imports enum anyway: free on the hook's path

# Plain classes over __slots__, not dataclasses: importing dataclasses (it pulls in
# inspect) and generating the methods of two dozen classes took ~40 ms of every run,
# a third of the pre-commit hook's budget (benchmarks/bench_hook.py). Record gives
# them what dataclasses did: equality, a repr (keys redacted) and replace().
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    _R = TypeVar("_R", bound="Record")



class Name(str, Enum):
    """A closed set of names that behaves exactly like its plain strings: equal to them,
    hashed like them (dict keys and sets mix freely), printed and serialised as them."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    __hash__ = str.__hash__


class Kind(Name):
    """Where a chunk of bytes came from (Origin.kind; a location's `kind` in reports)."""

    FILE = "file"
    BLOB = "blob"
    COMMIT_MESSAGE = "commit-message"
    TAG_MESSAGE = "tag-message"
    NOTE = "note"
    STASH = "stash"
    STDIN = "stdin"


class Status(Name):
    """A finding's verification status."""

    LIVE = "live"
    UNKNOWN = "unknown"
    NOT_CHECKED = "not_checked"
    REJECTED = "rejected"


class Exposure(Name):
    """How far a key has travelled; None (JSON null) for standard input."""

    WORKING_TREE = "working-tree"
    STAGED = "staged"
    LOCAL = "local"
    PUSHED = "pushed"


CONFIDENCE_ORDER = {"low": 0, "medium": 1, "high": 2}
EXPOSURE_ORDER: dict[str, int] = {Exposure.WORKING_TREE: 0, Exposure.STAGED: 1, Exposure.LOCAL: 2,
                  Exposure.PUSHED: 3}


class Record:
    """Base of the plain-data classes: a subclass names its fields in __slots__ and
    assigns them in __init__; equality, repr and replace() go over those fields."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._fields = cls._fields + tuple(cls.__dict__.get("__slots__", ()))

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __repr__(self) -> str:
        shown = []
        for name, value in zip(self._fields, self._values(), strict=True):
            text = redact(value) if name == "secret" and isinstance(value, str) else repr(value)
            shown.append(f"{name}={text}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def replace(self: _R, **changes: Any) -> _R:
        """A copy with some fields changed (dataclasses.replace)."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        new = object.__new__(type(self))
        for name in self._fields:
            setattr(new, name, changes[name] if name in changes else getattr(self, name))
        return new


class FrozenRecord(Record):
    """A Record that is never changed after construction, so it can be a dict key."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())


class Origin(FrozenRecord):
    """Where a chunk of bytes came from."""

    __slots__ = ("kind", "path", "commit", "blob", "author", "date", "decoded_from",
                 "repository")

    def __init__(self, kind: str, path: str | None = None, commit: str | None = None,
                 blob: str | None = None, author: str | None = None,
                 date: str | None = None, decoded_from: str | None = None,
                 repository: str | None = None) -> None:
        self.kind = Kind(kind)
        self.path = path
        self.commit = commit
        self.blob = blob
        self.author = author
        self.date = date
        self.decoded_from = decoded_from  # e.g. "base64", "utf-16le", "zip:member.txt"
        self.repository = repository  # audits: the repository's URL, credentials stripped


class Chunk(FrozenRecord):
    """Bytes to scan plus their origin."""

    __slots__ = ("data", "origin")

    def __init__(self, data: bytes, origin: Origin) -> None:
        self.data = data
        self.origin = origin


class Candidate(FrozenRecord):
    """One occurrence of a secret that passed the rule's filters."""

    __slots__ = ("rule", "secret", "confidence", "origin", "line", "column", "offset",
                 "masked_line", "suppressed", "end", "more")

    def __init__(self, rule: str, secret: str, confidence: str, origin: Origin,
                 line: int | None, column: int | None, offset: int,
                 masked_line: str | None = None, suppressed: bool = False,
                 end: int | None = None, more: int = 0) -> None:
        self.rule = rule
        self.secret = secret
        self.confidence = confidence
        self.origin = origin
        self.line = line
        self.column = column
        self.offset = offset
        # the line around the secret, every key on it redacted (raw or encoded)
        self.masked_line = masked_line
        self.suppressed = suppressed  # an inline allow comment sits on the same line
        # Where the matched text ends, in offset's coordinates: for a decoded key, the
        # end of its encoded form (previews redact offset..end). None: offset + len(secret).
        self.end = end
        # Further places of the same secret in the same content, not listed
        # (psguard.engine.places.MAX_PLACES a key are).
        self.more = more

    @property
    def span_end(self) -> int:
        return self.offset + len(self.secret) if self.end is None else self.end

    @property
    def confidence_rank(self) -> int:
        return CONFIDENCE_ORDER[self.confidence]


class Verification(Record):
    __slots__ = ("status", "endpoint", "detail", "reach")

    def __init__(self, status: str = Status.NOT_CHECKED, endpoint: str | None = None,
                 detail: str | None = None, reach: dict[str, Any] | None = None) -> None:
        self.status = Status(status)
        self.endpoint = endpoint
        self.detail = detail
        # a live key's blast radius, cleaned by verify/reach.py: models, key_type...
        self.reach = reach

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "endpoint": self.endpoint, "detail": self.detail,
                "reach": self.reach}


class Remediation(Record):
    __slots__ = ("text", "command")

    def __init__(self, text: str, command: str | None = None) -> None:
        self.text = text
        self.command = command

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "command": self.command}


def sha256_hex(secret: str) -> str:
    import hashlib  # not at import time: loading OpenSSL costs ~3 ms

    return hashlib.sha256(secret.encode()).hexdigest()


# Anything shaped like a key, in text we did not write ourselves (exception messages,
# config values, argparse errors).
_KEYISH = r"ps-[A-Za-z0-9_-]{6,}"


def scrub_keys(text: str) -> str:
    """Redact anything key-shaped: for messages that might quote scanned content."""
    return re.sub(_KEYISH, lambda m: redact(m.group(0)), text)


def display_path(path: str) -> str:
    """A file name as reports show it: bytes that are not UTF-8 as \\xNN escapes (as
    the history source shows them), never lone surrogates that no report can encode."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def redact(secret: str, prefix: str = "ps-") -> str:
    """Prefix plus the last four characters: the only form shown by default."""
    head = prefix if secret.startswith(prefix) else ""
    return f"{head}…{secret[-4:]}"


class ExposureDetail(Record):
    """Where in git a finding's key sits (stages/exposure.py); feeds remediation."""

    __slots__ = ("only_in", "published_by", "local_commits", "commits", "head",
                 "root_commits", "staged_paths", "paths", "stashes", "tags", "notes_refs",
                 "note_targets", "remote", "repo_dir", "remote_state", "tag_oids", "url")

    def __init__(self, *, remote: str | None = None, repo_dir: str | None = None) -> None:
        self.only_in: list[str] = []  # stash|tag|note|reflog|unreachable
        self.published_by: str | None = None  # a ref that publishes it, or "no-remotes"
        self.local_commits: list[str] = []  # unpushed holders, oldest first
        self.commits: list[str] = []  # every commit seen holding it
        self.head: str | None = None  # HEAD's commit id, when HEAD holds the key
        self.root_commits: list[str] = []  # holders without a parent
        self.staged_paths: list[str] = []
        self.paths: list[str] = []  # files (work tree or committed)
        self.stashes: list[str] = []  # stash@{n}
        self.tags: list[str] = []  # tag names that hold it
        self.notes_refs: list[str] = []  # e.g. refs/notes/commits
        self.note_targets: list[str] = []  # commits the notes annotate
        self.remote = remote  # a remote name to push to or query
        self.repo_dir = repo_dir  # the repository's directory name (for sibling clones)
        # "tracked": remote-tracking refs say what was pushed; "untracked": a remote (or
        # a bare repository) without them: every commit counts as pushed; "none": a
        # local repository with no remote: nothing was pushed from it; "outside-git"
        self.remote_state = "tracked"
        self.tag_oids: dict[str, str] = {}  # tag name -> its object here (not in JSON)
        self.url: str | None = None  # a remote scan's repository (credentials stripped)

    def to_json(self) -> dict[str, Any]:
        return {"only_in": self.only_in or None, "published_by": self.published_by,
                "local_commits": self.local_commits, "stashes": self.stashes,
                "tags": self.tags, "notes_refs": self.notes_refs,
                "remote_state": self.remote_state}


class Finding(Record):
    """One unique secret with every place it was seen.

    Built by grouping, then never changed: each later stage (git facts, suppression,
    verification, exposure, remediation) returns copies made with replace().
    """

    __slots__ = ("rule", "secret", "confidence", "candidates", "verification", "exposure",
                 "first_seen", "remediation", "pre_existing", "refs", "present_at_head",
                 "notes", "exposure_detail")

    def __init__(self, rule: str, secret: str, confidence: str,
                 candidates: list[Candidate] | None = None, *,
                 pre_existing: bool = False) -> None:
        self.rule = rule
        self.secret = secret
        self.confidence = confidence
        self.candidates: list[Candidate] = candidates if candidates is not None else []
        self.verification = Verification()
        self.exposure: str | None = "working-tree"  # None: not in a repository (stdin)
        self.first_seen: dict[str, str | None] | None = None
        self.remediation: list[Remediation] = []
        self.pre_existing = pre_existing  # already in HEAD (staged scans): reported, not blocking
        self.refs: list[str] = []  # git refs whose history holds the key
        self.present_at_head: bool | None = None  # history scans: HEAD's tree still holds it
        self.notes: list[str] = []
        self.exposure_detail: ExposureDetail | None = None  # set by stages/exposure.py

    def __setattr__(self, name: str, value: object) -> None:
        try:
            object.__getattribute__(self, name)
        except AttributeError:  # not set yet: construction, or replace()
            object.__setattr__(self, name, value)
            return
        raise AttributeError(f"Finding.{name} is set once; use replace() for a changed copy")

    @property
    def sha256(self) -> str:
        return sha256_hex(self.secret)

    @property
    def fingerprint(self) -> str:
        """Stable id used by .psguardignore: independent of where the key sits."""
        return sha256_hex(f"{self.rule}:{self.sha256}")[:20]

    @property
    def redacted(self) -> str:
        return redact(self.secret)

    @property
    def unlisted(self) -> int:
        """Places seen but not listed in `candidates` (a cap per file, blob or message)."""
        return sum(c.more for c in self.candidates)

    @property
    def places(self) -> int:
        """Every place the key was seen, listed or not."""
        return len(self.candidates) + self.unlisted


class Problem(FrozenRecord):
    """Something the scan could not read, or chose to skip."""

    __slots__ = ("kind", "target", "detail", "incomplete")

    def __init__(self, kind: str, target: str, detail: str, incomplete: bool = True) -> None:
        self.kind = kind  # unreadable | missing-object | too-large | not-scanned | warning
        self.target = target
        self.detail = detail
        # False for deliberate skips that do not make the scan partial
        self.incomplete = incomplete

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "target": self.target, "detail": self.detail}


class ScanStats(Record):
    __slots__ = ("files", "blobs", "bytes", "commits", "seconds", "cached")

    def __init__(self) -> None:
        self.files = 0
        self.blobs = 0
        self.bytes = 0  # read this run (objects the cache knows clean are not read)
        self.cached = 0  # objects counted but not read again: the cache knows them clean
        self.commits = 0
        self.seconds = 0.0


class ScanResult(Record):
    __slots__ = ("mode", "target", "findings", "problems", "stats", "suppressed",
                 "suppressed_by", "policy_from", "policy_changes", "report_only")

    def __init__(self, mode: str, target: str) -> None:
        self.mode = mode
        self.target = target
        self.findings: list[Finding] = []
        self.problems: list[Problem] = []
        self.stats = ScanStats()
        self.suppressed = 0  # findings hidden by inline allow, ignore file or baseline
        # the same, by cause: "inline", "ignore-file", "baseline" (stages/suppress.py)
        self.suppressed_by: dict[str, int] = {}
        self.policy_from = "work tree"  # where config, ignore file, baseline were read
        # psguard's own files (config, ignore file, rules, baseline) the scanned change
        # modifies: reported in every format, never applied to the change itself
        self.policy_changes: list[str] = []
        # --exit-zero: findings do not fail this run; every report says so
        self.report_only = False

    @property
    def complete(self) -> bool:
        return not any(p.incomplete for p in self.problems)
