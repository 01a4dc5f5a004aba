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
from psguard.sources.history import ParallelScan, finish_findings, repo_facts
from psguard.sources.objects import ObjectScanner, drop_excluded, expand_located

# Large ranges (a first push, a long-lived branch) are read in pack order, backwards,
# and sharded by size on disk; below this many objects the order does not matter and
# reading the pack index would.
_ORDER_MIN_OBJECTS = 2000

TYPE_CHECKING = False
if TYPE_CHECKING:
    from psguard.pipeline import ScanContext


def range_revs(root: Path, spec: str) -> list[str]:
    """`A..B`, `A...B` or a single REV, resolved and checked: rev-list arguments."""
    spec = spec.strip()
    if not spec or spec.startswith("-"):
        raise UsageError(f"--range {spec!r}: expected A..B")
    proc = run_git(["rev-parse", "--revs-only", "--end-of-options", spec], root, check=False)
    revs = proc.stdout.decode().split()
    if proc.returncode != 0 or not revs:
        shallow = run_git(["rev-parse", "--is-shallow-repository"], root,
                          check=False).stdout.strip() == b"true"
        hint = " (this is a shallow clone: fetch more history)" if shallow else ""
        raise UsageError(f"--range {spec!r}: unknown revision{hint}")
    return revs


def scan_range(ctx: ScanContext) -> None:
    facts = repo_facts(ctx.root)
    root = facts.root
    ctx.result.target = str(root)
    opts = ctx.options
    spec = opts.rev_range if opts.rev_range else f"{opts.since}..HEAD"
    scan_revs(ctx, root, range_revs(root, spec))
    if facts.shallow:
        ctx.result.problems.append(Problem(
            "warning", "range", "shallow clone: commits beyond the shallow boundary are "
            "not in this repository", incomplete=False))


def scan_revs(ctx: ScanContext, root: Path, revs: list[str]) -> list[str]:
    """Scan what the rev-list arguments `revs` add. Reusable by hooks and CI."""
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
        facts = repo_facts(root)
        objects = in_pack_order(facts.git_dir, objects, facts.hash_len)
    max_size = ctx.config.max_file_size
    scanner = ObjectScanner(ctx.engine, max_size=max_size)
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
            ctx.result.stats.commits += 1
        elif obj.type == "blob":
            ctx.result.stats.blobs += 1
    ctx.result.stats.bytes = par.bytes_read
    too_large = len(scanner.too_large)
    ctx.result.problems.extend(scanner.problems)
    for oid in sorted(set(missing)):
        ctx.result.problems.append(Problem(
            "missing-object", oid, "object not present in the repository (partial clone "
            "or damaged repository); not scanned"))
    if too_large:
        ctx.result.problems.append(Problem(
            "too-large", "range", f"{too_large} blob(s) above max_file_size "
            f"({max_size} bytes) not scanned", incomplete=False))
    hit_blobs = {c.origin.blob for c in cands if c.origin.kind == "blob" and c.origin.blob}
    located = locate_blobs(root, hit_blobs, revs, walk[0] if walk else None)
    expanded, times, notes = expand_located(cands, located, lambda b: None)
    for c in cands:
        if c.origin.kind == "commit-message" and c.origin.commit:
            times.setdefault(c.origin.commit,
                             (scanner.commit_times.get(c.origin.commit, (0, None, None))[0], 0))
    ctx.candidates.extend(drop_excluded(expanded, ctx.config))
    ctx.finalizers.append(lambda c: finish_findings(c, root, times, notes, None))
    return revs
