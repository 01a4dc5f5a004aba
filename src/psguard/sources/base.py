"""The contract every source keeps: given what to read and how, return what it found.

A source reads one kind of input (the working tree, the index, a commit range, the
whole history, a message file, standard input) and hands back a SourceResult: the
candidates with their locations, what it read, and what it could not read. It never
groups, suppresses, verifies or reports: the pipeline's later stages do that, the
same way for every source.
"""

from __future__ import annotations

from pathlib import Path

from psguard.config import Config
from psguard.engine.engine import Engine
from psguard.git.snapshot import Repository
from psguard.models import Candidate, Problem, Record, ScanStats
from psguard.request import Mode, ScanRequest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    class Source(Protocol):
        def __call__(self, given: SourceInput) -> SourceResult: ...


class SourceInput(Record):
    """What a source may use: the request, the run's config and engine, the repository."""

    __slots__ = ("request", "config", "engine", "repo")

    def __init__(self, request: ScanRequest, config: Config, engine: Engine,
                 repo: Repository) -> None:
        self.request = request
        self.config = config
        self.engine = engine
        self.repo = repo

    @property
    def path(self) -> Path:
        return self.request.path


class CommitFacts(Record):
    """What git sources learned about commits while locating hits, for the git facts
    stage: when each commit was made, notes on blobs, and the blobs in HEAD's tree."""

    __slots__ = ("root", "times", "notes", "head_blobs", "reachable")

    def __init__(self, root: Path, times: dict[str, tuple[int, int]],
                 notes: dict[str, list[str]], head_blobs: set[str] | None,
                 reachable: bool = True) -> None:
        self.root = root
        self.times = times  # commit -> (commit time, order): the earliest is first seen
        self.notes = notes  # blob -> notes to attach to findings located there
        self.head_blobs = head_blobs  # None: not known (ranges)
        # False: no ref reaches these commits yet (a push the server is receiving), so
        # no ref holds a key and the commit graph need not be walked to say so
        self.reachable = reachable


class SourceResult(Record):
    """What a source found and read."""

    __slots__ = ("mode", "target", "candidates", "problems", "stats", "pre_existing",
                 "commit_facts", "changed_paths")

    def __init__(self, mode: Mode, target: str) -> None:
        self.mode = mode  # what reports call the scan (a pre-push scan is a "range")
        self.target = target
        self.candidates: list[Candidate] = []
        self.problems: list[Problem] = []
        self.stats = ScanStats()
        # (rule, secret) already in HEAD's version of a touched file: reported, not blocking
        self.pre_existing: set[tuple[str, str]] = set()
        self.commit_facts: CommitFacts | None = None
        # staged scans: every path (from the top) the change touches, deletions too
        self.changed_paths: set[str] | None = None
