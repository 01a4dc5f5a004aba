"""The history source: every object in the repository, each read and scanned once.

1. Before anything else, `git rev-list --objects --all --missing=print` starts in
   the background (git/missing.py): what refs reach but the repository lacks
   (partial clones, damaged mirrors). It runs while step 2 keeps one core busy.
2. Blobs, commits and tags are listed, each delta right after its base (from the
   pack indexes and headers, or `git cat-file --batch-all-objects`: what a clone
   holds, every branch, tag, note and stash, and objects no ref reaches any more).
   Objects the blob cache already knows to be clean under this rule set are dropped.
3. The rest is split into contiguous slices of about equal content, one per core.
   Where the repository allows, each slice is read from the pack files directly and
   deltas on quiet bases are judged from what they bring (packscan.py); otherwise
   one long-lived `git cat-file --batch` reader a slice (parallel.py). Each object
   goes through the engine's prefilter (one Hyperscan pass when installed) and only
   on a hit through the rules.
4. At the first hit, one `git log --raw` walk over the branches, tags and other refs
   (locate.MainWalk) starts beside the scan: blobs with hits are located from its
   output (the commits and paths that brought them). A scan where nothing hits
   never walks the log.

What the run's snapshot knows (refs, HEAD, the stash, shallow state) is not asked
of git again; the caches (blobcache.py) decide which walks and listings are needed.
"""

from __future__ import annotations

from pathlib import Path

from psguard.git import catfile
from psguard.git.locate import (
    Location,
    MainWalk,
    locate_blobs,
    stash_only_commits,
    stash_tips,
    tree_blobs,
)
from psguard.git.missing import UNWALKED, MissingSearch
from psguard.git.snapshot import RepoSnapshot
from psguard.models import Candidate, Problem, Record, ScanStats
from psguard.request import Mode
from psguard.sources.base import CommitFacts, SourceInput, SourceResult
from psguard.sources.blobcache import HistoryCaches, refs_state
from psguard.sources.objects import (
    ObjectScanner,
    drop_excluded,
    expand_located,
    name_blobs,
)
from psguard.sources.packscan import history_reader
from psguard.sources.parallel import ParallelScan
from psguard.version import __version__

UNREACHABLE_NOTE = ("in an object that no ref or reflog reaches (a dangling object in "
                    "this clone's object store; `git gc --prune=now` removes it)")


class _Scanned(Record):
    """What reading the objects gave: candidates, unreadable ids, and the main walk
    (started before the scan or at its first hit) when there is one."""

    __slots__ = ("root", "todo", "scanner", "cands", "unreadable", "walk", "bytes_read")

    def __init__(self, root: Path, todo: list[catfile.ObjectInfo], scanner: ObjectScanner,
                 cands: list[Candidate], unreadable: list[str], walk: MainWalk | None,
                 bytes_read: int) -> None:
        self.root = root
        self.todo = todo
        self.scanner = scanner
        self.cands = cands
        self.unreadable = unreadable
        self.walk = walk
        self.bytes_read = bytes_read

    def not_clean(self) -> set[str]:
        """Objects that must be read again next time: hits, unreadable, oversized, and
        those with problems (a decode limit: the scan stays incomplete next time)."""
        return (set(self.unreadable) | self.scanner.hits | set(self.scanner.too_large)
                | self.scanner.problem_objects)


def scan_history(given: SourceInput) -> SourceResult:
    snap = given.repo.snapshot()
    result = SourceResult(Mode.HISTORY, str(snap.root))
    stash = stash_tips(snap)
    caches = _load_caches(given, snap, stash)
    search = _plan_walks(snap, stash, caches)
    todo = _list_objects(snap, caches, result.stats)
    scanner = ObjectScanner(given.engine, max_size=given.config.max_file_size)
    scanned = _scan_objects(snap.root, todo, scanner,
                            start_walk_on_hit=not caches.refs_unchanged,
                            progress=not given.request.quiet, jobs=given.request.jobs,
                            pack_store=(snap.common_dir, snap.hash_len))
    missing = search.result()
    _add_problems(result, snap, scanned, missing)
    head_blobs = _head_tree(snap.root, result.problems)
    located = _locate(snap, scanned, caches, stash)
    name_blobs(result.problems, located)
    times, notes = _add_candidates(result, given, scanned, located, stash)
    caches.save(todo, scanned.not_clean(), missing, located,
                {"commits": result.stats.commits, "blobs": result.stats.blobs})
    result.commit_facts = CommitFacts(snap.root, times, notes, head_blobs)
    return result


def _load_caches(given: SourceInput, snap: RepoSnapshot, stash: list[str]) -> HistoryCaches:
    # The engine's code is part of what "clean" means: key on psguard's version too.
    version = f"{given.engine.ruleset.version}-{__version__}"
    return HistoryCaches.load(snap.common_dir, version, refs_state(snap, stash),
                              enabled=not given.request.no_cache,
                              untrusted=(snap.root, snap.common_dir))


def _plan_walks(snap: RepoSnapshot, stash: list[str], caches: HistoryCaches
                ) -> MissingSearch:
    """How missing objects are found; the walk runs alongside the listing and the
    scan. With the refs unchanged, none: the cached missing objects are checked again."""
    if caches.refs_unchanged:
        return MissingSearch.recheck(snap, caches.cached_missing)
    return MissingSearch.full(snap, stash)


def _list_objects(snap: RepoSnapshot, caches: HistoryCaches, stats: ScanStats
                  ) -> list[catfile.ObjectInfo]:
    """The objects to read (all but those the blob cache knows clean), counted into
    stats."""
    if caches.same_objects:
        # Same objects as last time: only what was not clean needs reading again.
        todo, counts = caches.pending()
        stats.commits = counts.get("commits", 0)
        stats.blobs = counts.get("blobs", 0)
        stats.cached = max(0, stats.commits + stats.blobs - len(todo))
        return todo
    todo = []
    for obj in catfile.list_objects(snap.root, git_dir=snap.common_dir,
                                    hash_len=snap.hash_len):
        if obj.type == "commit":
            stats.commits += 1
        elif obj.type == "blob":
            stats.blobs += 1
        if not caches.is_clean(obj.oid):
            todo.append(obj)
        elif obj.type in ("commit", "blob"):
            stats.cached += 1
    return todo


def _scan_objects(root: Path, todo: list[catfile.ObjectInfo], scanner: ObjectScanner, *,
                  start_walk_on_hit: bool, progress: bool = True,
                  jobs: int | None = None,
                  pack_store: tuple[Path, int] | None = None) -> _Scanned:
    # pack_store (git dir, id length): the packs the delta-aware reader may read
    par = (history_reader(root, *pack_store, todo, scanner, jobs) if pack_store
           else ParallelScan(root, todo, scanner, workers=jobs, delta_order=True))
    # Locating needs one walk over all commits: started when the first hit shows up,
    # so it overlaps the scan (a scan where nothing hits never needs it).
    walks: list[MainWalk] = []
    early = (lambda: walks.append(MainWalk(root))) if start_walk_on_hit else None
    cands, unreadable = par.run(early, progress=progress)
    return _Scanned(root, todo, scanner, cands, unreadable, walks[0] if walks else None,
                    par.bytes_read)


def _add_problems(result: SourceResult, snap: RepoSnapshot, scanned: _Scanned,
                  missing: list[str]) -> None:
    """What could not be read: decode limits, oversized blobs (the scanner's problems),
    missing objects, the shallow boundary."""
    scanner = scanned.scanner
    result.problems.extend(scanner.problems)
    result.stats.bytes = scanned.bytes_read
    for oid in sorted(set(missing) | set(scanned.unreadable)):
        if oid == UNWALKED:
            result.problems.append(Problem(
                "not-scanned", "history", "git could not walk every ref's history (a "
                "missing or damaged object): what lies beyond it was not checked"))
            continue
        result.problems.append(Problem(
            "missing-object", oid, "object not present in the repository (partial clone "
            "or damaged repository); not scanned"))
    if snap.shallow:
        result.problems.append(Problem(
            "not-scanned", "history before the shallow boundary",
            "shallow clone: older commits are not in this repository "
            "(run `git fetch --unshallow` for a full audit)"))


def _head_tree(root: Path, problems: list[Problem]) -> set[str]:
    """The blobs in HEAD's tree; warnings for Git LFS files and submodules in it."""
    attributes: list[str] = []
    head_blobs, submodules = tree_blobs(root, attributes=attributes)
    if attributes and _uses_lfs(root, attributes):
        problems.append(Problem(
            "warning", "git-lfs", "files tracked by Git LFS live on the LFS server, not in "
            "git: their pointer files were scanned, their content was not", incomplete=False))
    for sub in submodules:
        problems.append(Problem(
            "warning", sub, "submodule: not descended into (scan its repository separately)",
            incomplete=False))
    return head_blobs


def _uses_lfs(root: Path, attribute_blobs: list[str]) -> bool:
    return any(b"filter=lfs" in data for _, kind, data in
               catfile.read_objects(root, attribute_blobs) if kind == "blob")


def _locate(snap: RepoSnapshot, scanned: _Scanned, caches: HistoryCaches,
            stash: list[str]) -> dict[str, list[Location]]:
    """Where each blob with hits was introduced: from the cache when the refs are the
    same, else from the main walk (and the stash, notes and reflog walks after it)."""
    hit_blobs = {c.origin.blob for c in scanned.cands
                 if c.origin.kind == "blob" and c.origin.blob}
    hit_blobs |= scanned.scanner.problem_objects  # located too, to name them in problems
    located = caches.locations(hit_blobs)
    located.update(locate_blobs(snap.root, hit_blobs - located.keys(), None, scanned.walk,
                                stash=stash, notes=bool(snap.ref_names("refs/notes/"))))
    return located


def _add_candidates(result: SourceResult, given: SourceInput, scanned: _Scanned,
                    located: dict[str, list[Location]], stash: list[str]
                    ) -> tuple[dict[str, tuple[int, int]], dict[str, list[str]]]:
    """One candidate per location into result; the commit times and notes by blob
    for the git facts stage."""
    cands = _classify_commit_messages(scanned.root, scanned.cands, stash)
    expanded, times, notes = expand_located(
        cands, located, lambda b: None if b in located else UNREACHABLE_NOTE,
        result.problems)
    result.candidates.extend(drop_excluded(expanded, given.config))
    commit_times = scanned.scanner.commit_times
    for c in cands:
        if c.origin.kind in ("commit-message", "stash") and c.origin.commit:
            times.setdefault(c.origin.commit,
                             (commit_times.get(c.origin.commit, (0, None, None))[0], 0))
    return times, notes


def _classify_commit_messages(root: Path, cands: list[Candidate], stash: list[str]
                              ) -> list[Candidate]:
    """Commit-message hits in stash commits are stash locations; others stay."""
    commits = {c.origin.commit for c in cands if c.origin.kind == "commit-message"}
    if not commits or not stash:
        return cands
    stash_only = stash_only_commits(root, stash)
    out = []
    for c in cands:
        if c.origin.kind == "commit-message" and c.origin.commit in stash_only:
            c = c.replace(origin=c.origin.replace(kind="stash"))
        out.append(c)
    return out
