"""What the user asked for, typed: which source to read, and how to judge and report.

Built by the commands (scan, baseline, hook, ci) and by the Python API; read by the
pipeline. Nothing here does I/O.
"""

from __future__ import annotations

from pathlib import Path

from psguard.models import Name, Record


class Mode(Name):
    """A scan's source; behaves as its plain name in reports and comparisons."""

    WORKTREE = "worktree"  # tracked + untracked-not-ignored files (or a directory walk)
    STAGED = "staged"  # what the index adds to HEAD
    RANGE = "range"  # what the commits in A..B add
    HISTORY = "history"  # every object of the repository
    REMOTE = "remote"  # a remote repository's history, read from its mirror clone
    STDIN = "stdin"
    # The hooks' own sources; reports call the first one "range".
    REVS = "revs"  # what `git rev-list REVS` adds (pre-push, the CI gate)
    COMMIT_MSG = "commit-msg"  # a commit message file
    FILES = "files"  # named work-tree files (the pre-commit framework's list)
    # The server-side gate: what a push brings (`rev-list REVS`, REVS naming the pushed
    # tips `--not --all`), read from the receiving repository's quarantine.
    PRE_RECEIVE = "pre-receive"


class ScanRequest(Record):
    """One scan: the source and its inputs, then the options of the later stages."""

    __slots__ = ("path", "mode", "rev_range", "since", "revs", "message_file",
                 "message_edited", "files",
                 "fmt", "output", "verify", "endpoints", "show_secrets", "baseline",
                 "config", "min_confidence", "fail_on", "no_cache", "no_repo_config",
                 "no_baseline", "verify_timeout", "verify_deadline", "known_pushed",
                 "policy_from", "exclude", "include", "quiet", "url", "jobs", "no_verify",
                 "report_only")

    def __init__(self, *, path: Path = Path("."), mode: str = Mode.WORKTREE,
                 rev_range: str | None = None, since: str | None = None,
                 revs: list[str] | None = None, message_file: Path | None = None,
                 message_edited: bool = False, files: list[str] | None = None, fmt: str = "text",
                 output: Path | None = None, verify: bool = False,
                 endpoints: list[str] | None = None, show_secrets: bool = False,
                 baseline: Path | None = None, config: Path | None = None,
                 min_confidence: str | None = None, fail_on: list[str] | None = None,
                 no_cache: bool = False, no_repo_config: bool = False,
                 no_baseline: bool = False, verify_timeout: float | None = None,
                 verify_deadline: float | None = None,
                 known_pushed: dict[str, str] | None = None,
                 policy_from: str | None = None, exclude: list[str] | None = None,
                 include: list[str] | None = None, quiet: bool = False, url: str | None = None,
                 jobs: int | None = None, no_verify: bool = False,
                 report_only: bool = False) -> None:
        self.path = path
        self.mode = Mode(mode)
        self.rev_range = rev_range  # Mode.RANGE: `A..B`; or since: everything after REV
        self.since = since
        self.revs: list[str] = revs or []  # Mode.REVS: rev-list arguments
        self.message_file = message_file  # Mode.COMMIT_MSG
        # Mode.COMMIT_MSG: git ran an editor on the message (its hooks get GIT_EDITOR=:
        # when it did not); False scans as if not, the safe side
        self.message_edited = message_edited
        self.files: list[str] = files or []  # Mode.FILES: paths relative to `path`
        self.fmt = fmt
        self.output = output
        self.verify = verify
        self.endpoints: list[str] = endpoints or []
        self.show_secrets = show_secrets
        self.baseline = baseline
        self.config = config
        self.min_confidence = min_confidence
        self.fail_on: list[str] = fail_on or []
        self.no_cache = no_cache
        self.no_repo_config = no_repo_config
        self.no_baseline = no_baseline  # `psguard baseline`: ignore the config's baseline
        self.verify_timeout = verify_timeout  # seconds, per request (connect and read)
        self.verify_deadline = verify_deadline  # seconds, for the whole verification
        # remote-tracking ref name -> commit id the remote is known to hold (psguard ci)
        self.known_pushed: dict[str, str] = known_pushed or {}
        # Where the repository's psguard files are read (config.PolicySource): None, the
        # mode's default (the work tree; a range's base); a revision, that commit's
        # tree (the trusted side of a change); "", nowhere (a change with no base)
        self.policy_from = policy_from
        self.exclude: list[str] = exclude or []  # --exclude: added to the config's
        self.include: list[str] = include or []  # --include: only paths matching these
        self.quiet = quiet  # --quiet: no progress lines
        # Mode.REMOTE: the repository's URL (credentials and all: only git sees it);
        # `path` is then its mirror's directory (git/mirror.mirror_path)
        self.url = url
        self.jobs = jobs  # processes a history scan may use (None: one per core)
        # audits verify once per key across repositories, never inside each one's scan
        self.no_verify = no_verify
        self.report_only = report_only  # --exit-zero: the result says so
