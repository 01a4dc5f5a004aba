"""The range source: what the commits in A..B add (CI gates, pre-push).

`git rev-list --objects A..B` names every blob the range's trees hold that A's side
does not (a blob that appears only in a merge's resolution included), each once,
plus the range's commits (git/ranges.py); `git cat-file --batch` readers scan them
(parallel.py's ParallelScan: one inline for a small range, one per core for a large
one). Hits are located with `git log A..B --raw -c --find-object`.
"""

from __future__ import annotations

from psguard.git.locate import MainWalk, locate_blobs
from psguard.git.packlist import ObjectInfo, in_pack_order
from psguard.git.ranges import range_objects, resolve_range
from psguard.models import Problem
from psguard.request import Mode
from psguard.sources.base import CommitFacts, SourceInput, SourceResult
from psguard.sources.objects import ObjectScanner, drop_excluded, expand_located, name_blobs
from psguard.sources.parallel import ParallelScan

# Large ranges (a first push, a long-lived branch) are read in pack order, backwards,
# and sharded by size on disk; below this many objects the order does not matter and
# reading the pack index would.
_ORDER_MIN_OBJECTS = 2000


# Up to this many commits, hits are located in the range's commits as listed (no walk):
# walking `B --not A` again costs tens of ms on a large repository (reading the
# excluded side's commits; about 50-170 ms for `--not --all` on sqlalchemy), listing
# them none. A commit's diff against its parents is the same either way.
_NO_WALK_MAX = 2000


def _locate_revs(revs: list[str], objects: list[ObjectInfo], walk: list[MainWalk]
                 ) -> list[str]:
    commits = [o.oid for o in objects if o.type == "commit"]
    if walk or not commits or len(commits) > _NO_WALK_MAX:
        return revs
    return ["--no-walk=unsorted", *commits]


def scan_range(given: SourceInput) -> SourceResult:
    """`--range A..B` or `--since REV`: what those commits add."""
    facts = given.repo.snapshot()
    req = given.request
    spec = req.rev_range if req.rev_range else f"{req.since}..HEAD"
    result = SourceResult(Mode.RANGE, str(facts.root))
    scan_revs(given, result, resolve_range(facts.root, spec, facts.shallow))
    if facts.shallow:
        result.problems.append(Problem(
            "warning", "range", "shallow clone: commits beyond the shallow boundary are "
            "not in this repository", incomplete=False))
    return result


def scan_revs(given: SourceInput, result: SourceResult, revs: list[str]) -> None:
    """Scan what the rev-list arguments `revs` add into result (ranges, pre-push, CI)."""
    snap = given.repo.snapshot()
    root = snap.root
    objects, missing = range_objects(root, revs)
    if len(objects) >= _ORDER_MIN_OBJECTS:
        objects = in_pack_order(snap.common_dir, objects, snap.hash_len)
    max_size = given.config.max_file_size
    scanner = ObjectScanner(given.engine, max_size=max_size)
    # Large ranges (sizes known from the packs) are read by a worker per core; their
    # first hit starts the walk that locates hits, so it overlaps the rest of the scan.
    par = ParallelScan(root, objects, scanner)
    walk: list[MainWalk] = []
    cands, unreadable = par.run(lambda: walk.append(MainWalk(root, revs)))
    missing += unreadable
    not_read = set(unreadable)
    for obj in objects:
        if obj.oid in not_read:
            continue
        if obj.type == "commit":
            result.stats.commits += 1
        elif obj.type == "blob":
            result.stats.blobs += 1
    result.stats.bytes = par.bytes_read
    result.problems.extend(scanner.problems)  # decode limits, blobs above max_size
    for oid in sorted(set(missing)):
        result.problems.append(Problem(
            "missing-object", oid, "object not present in the repository (partial clone "
            "or damaged repository); not scanned"))
    hit_blobs = {c.origin.blob for c in cands if c.origin.kind == "blob" and c.origin.blob}
    located = locate_blobs(root, hit_blobs | scanner.problem_objects,
                           _locate_revs(revs, objects, walk), walk[0] if walk else None)
    name_blobs(result.problems, located)
    expanded, times, notes = expand_located(cands, located, lambda b: None,
                                            result.problems)
    for c in cands:
        if c.origin.kind == "commit-message" and c.origin.commit:
            times.setdefault(c.origin.commit,
                             (scanner.commit_times.get(c.origin.commit, (0, None, None))[0], 0))
    result.candidates.extend(drop_excluded(expanded, given.config))
    result.commit_facts = CommitFacts(root, times, notes, None)
