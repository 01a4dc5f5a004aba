"""The range source: what the commits in A..B add (CI gates, pre-push).

`git rev-list --objects A..B` names every blob the range's trees hold that A's side
does not (a blob that appears only in a merge's resolution included), each once,
plus the range's commits; `git cat-file --batch` readers scan them (history.py's
ParallelScan: one inline for a small range, one per core for a large one). Hits are
located with `git log A..B --raw -c --find-object`.
"""

from __future__ import annotations

from pathlib import Path

from psguard.errors import UsageError
from psguard.git.locate import MainWalk, locate_blobs
from psguard.git.packlist import ObjectInfo, in_pack_order
from psguard.git.runner import run_git
from psguard.models import Problem
from psguard.request import Mode
from psguard.sources.base import CommitFacts, SourceInput, SourceResult
from psguard.sources.history import ParallelScan
from psguard.sources.objects import ObjectScanner, drop_excluded, expand_located

# Large ranges (a first push, a long-lived branch) are read in pack order, backwards,
# and sharded by size on disk; below this many objects the order does not matter and
# reading the pack index would.
_ORDER_MIN_OBJECTS = 2000



def range_revs(root: Path, spec: str, shallow: bool) -> list[str]:
    """`A..B`, `A...B` or a single REV, resolved and checked: rev-list arguments."""
    spec = spec.strip()
    if not spec or spec.startswith("-"):
        raise UsageError(f"--range {spec!r}: expected A..B")
    proc = run_git(["rev-parse", "--revs-only", "--end-of-options", spec], root, check=False)
    revs = proc.stdout.decode().split()
    if proc.returncode != 0 or not revs:
        hint = " (this is a shallow clone: fetch more history)" if shallow else ""
        raise UsageError(f"--range {spec!r}: unknown revision{hint}")
    return revs


def scan_range(given: SourceInput) -> SourceResult:
    """`--range A..B` or `--since REV`: what those commits add."""
    facts = given.repo.snapshot()
    req = given.request
    spec = req.rev_range if req.rev_range else f"{req.since}..HEAD"
    result = SourceResult(Mode.RANGE, str(facts.root))
    scan_revs(given, result, range_revs(facts.root, spec, facts.shallow))
    if facts.shallow:
        result.problems.append(Problem(
            "warning", "range", "shallow clone: commits beyond the shallow boundary are "
            "not in this repository", incomplete=False))
    return result


def scan_revs(given: SourceInput, result: SourceResult, revs: list[str]) -> None:
    """Scan what the rev-list arguments `revs` add into result (ranges, pre-push, CI)."""
    snap = given.repo.snapshot()
    root = snap.root
    if any(r.startswith("-") and r != "--not" for r in revs):
        raise UsageError(f"unsupported revision arguments: {' '.join(revs)}")
    # The type filter keeps blobs (and the objects named in revs) but drops the
    # range's other commits: their messages come from a plain rev-list.
    listing = run_git(["rev-list", "--objects", "--no-object-names", "--missing=print",
                       "--filter=object:type=blob", *revs, "--"], root, no_fetch=True)
    commits = run_git(["rev-list", *revs, "--"], root, no_fetch=True)
    tips = {r.lstrip("^") for r in revs}
    commit_ids = set(commits.stdout.decode().split())
    objects: list[ObjectInfo] = []
    missing: list[str] = []
    for line in dict.fromkeys((listing.stdout + commits.stdout).decode().split()):
        if line.startswith("?"):
            missing.append(line[1:])
        else:  # besides commits and blobs only an annotated tag named in revs
            kind = "commit" if line in commit_ids else "tag" if line in tips else "blob"
            objects.append(ObjectInfo(line, kind, 0))
    if len(objects) >= _ORDER_MIN_OBJECTS:
        objects = in_pack_order(snap.common_dir, objects, snap.hash_len)
    max_size = given.config.max_file_size
    scanner = ObjectScanner(given.engine, max_size=max_size)
    # Large ranges (sizes known from the packs) are read by a worker per core; their
    # first hit starts the walk that locates hits, so it overlaps the rest of the scan.
    par = ParallelScan(root, objects, scanner)
    walk: list[MainWalk] = []
    par.wait(lambda: walk.append(MainWalk(root, revs)))
    cands, unreadable = par.collect()
    missing += unreadable
    not_read = set(unreadable) | set(scanner.too_large)
    for obj in objects:
        if obj.oid in not_read:
            continue
        if obj.type == "commit":
            result.stats.commits += 1
        elif obj.type == "blob":
            result.stats.blobs += 1
    result.stats.bytes = par.bytes_read
    too_large = len(scanner.too_large)
    result.problems.extend(scanner.problems)
    for oid in sorted(set(missing)):
        result.problems.append(Problem(
            "missing-object", oid, "object not present in the repository (partial clone "
            "or damaged repository); not scanned"))
    if too_large:
        result.problems.append(Problem(
            "too-large", "range", f"{too_large} blob(s) above max_file_size "
            f"({max_size} bytes) not scanned", incomplete=False))
    hit_blobs = {c.origin.blob for c in cands if c.origin.kind == "blob" and c.origin.blob}
    located = locate_blobs(root, hit_blobs, revs, walk[0] if walk else None)
    expanded, times, notes = expand_located(cands, located, lambda b: None)
    for c in cands:
        if c.origin.kind == "commit-message" and c.origin.commit:
            times.setdefault(c.origin.commit,
                             (scanner.commit_times.get(c.origin.commit, (0, None, None))[0], 0))
    result.candidates.extend(drop_excluded(expanded, given.config))
    result.commit_facts = CommitFacts(root, times, notes, None)
