"""The history source: every object in the repository, each read and scanned once.

1. `git cat-file --batch-all-objects --batch-check --unordered` lists blobs, commits
   and tags in pack order (what a clone holds: every branch, tag, note and stash,
   and also objects no ref reaches any more).
2. Objects the blob cache already knows to be clean under this rule set are dropped.
3. The rest is split into contiguous slices of the pack order, one long-lived
   `git cat-file --batch` reader per core; each object goes through the engine's
   literal prefilter and only on a hit through the rules.
4. Concurrently, `git rev-list --objects --all --missing=print` lists the objects
   refs reach but the repository lacks (partial clones, damaged mirrors).
5. Blobs with hits are located (locate.py): the commits and paths that brought them.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psguard import __version__
from psguard.models import Candidate, Problem
from psguard.scanner import catfile
from psguard.scanner.blobcache import BlobCache, LocateCache, odb_fingerprint
from psguard.scanner.git import (
    GitError,
    git_command,
    no_fetch_env,
    require_repository,
    run_git,
)
from psguard.scanner.gitobjects import ObjectScanner, drop_excluded, expand_located
from psguard.scanner.locate import (
    Location,
    MainWalk,
    locate_blobs,
    refs_containing,
    tree_blobs,
)

if TYPE_CHECKING:
    from psguard.app import ScanContext

_PARALLEL_MIN_BYTES = 4 << 20  # below this, one inline reader beats forking workers
UNREACHABLE_NOTE = ("in an object that no ref or reflog reaches (a dangling object in "
                    "this clone's object store; `git gc --prune=now` removes it)")


@dataclass
class RepoFacts:
    root: Path
    git_dir: Path
    shallow: bool
    bare: bool
    hash_len: int = 20  # bytes of an object id: 20 (sha1) or 32 (sha256)


def repo_facts(path: Path) -> RepoFacts:
    root = require_repository(path)
    out = run_git(["rev-parse", "--git-common-dir", "--is-shallow-repository",
                   "--is-bare-repository", "--show-object-format"], root
                  ).stdout.decode().splitlines()
    git_dir = Path(out[0])
    if not git_dir.is_absolute():
        git_dir = (root / git_dir).resolve()
    hash_len = 32 if len(out) > 3 and out[3] == "sha256" else 20
    return RepoFacts(root, git_dir, out[1] == "true", out[2] == "true", hash_len)


def _start_missing(root: Path, extra_tips: list[str]) -> tuple[Any, Any]:
    """Start listing what refs reach but the repository lacks; runs during the scan.

    Output goes to an unnamed temporary file, so nothing has to read it meanwhile.
    """
    import subprocess
    import tempfile

    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _finish_missing
    args = ["rev-list", "--objects", "--no-object-names", "--missing=print", "--all",
            *extra_tips, "--"]
    proc = subprocess.Popen(git_command(args, root, no_fetch=True),
                            env=no_fetch_env(), stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.DEVNULL)
    return proc, out


def _finish_missing(proc: Any, out: Any) -> list[str]:
    proc.wait()
    out.seek(0)
    missing = [line[1:].strip().decode() for line in out if line.startswith(b"?")]
    out.close()
    return missing


def _scan_slice(root: Path, objects: list[catfile.ObjectInfo], scanner: ObjectScanner,
                counters: Any, index: int) -> tuple[list[Candidate], list[str]]:
    """Read and scan one slice with its own cat-file reader: candidates, unreadable ids.

    Blobs above max_file_size are skipped; their ids go to scanner.too_large.
    """
    cands: list[Candidate] = []
    missing: list[str] = []
    may_match = scanner.engine.may_match
    n = nbytes = 0
    for oid, kind, data in catfile.read_objects(root, (o.oid for o in objects),
                                                scanner.max_size):
        if kind == "missing":
            missing.append(oid)
            continue
        if kind == "too-large":
            scanner.too_large.append(oid)
            continue
        n += 1
        nbytes += len(data)
        if n & 255 == 0 and counters is not None:
            counters[3 * index] = n
            counters[3 * index + 1] = nbytes
        if may_match(data):
            found = scanner.scan(oid, kind, data)
            if found:
                cands.extend(found)
                if counters is not None:
                    counters[3 * index + 2] += 1
    if counters is not None:
        counters[3 * index] = n
        counters[3 * index + 1] = nbytes
    return cands, missing


def _worker_main(root: Path, objects: list[catfile.ObjectInfo], scanner: ObjectScanner,
                 counters: Any, index: int, conn: Any) -> None:
    try:
        cands, missing = _scan_slice(root, objects, scanner, counters, index)
        nbytes_read = counters[3 * index + 1]
        conn.send(("ok", cands, missing, (scanner.commit_times, scanner.hits,
                                          scanner.problems, scanner.too_large, nbytes_read)))
    except BaseException as exc:  # reported by the parent; never includes scanned bytes
        conn.send(("error", f"{type(exc).__name__}: {exc}", [], ({}, set(), [], [], 0)))
    finally:
        conn.close()


class ParallelScan:
    """One worker process per slice of the pack order, each with its own cat-file
    reader: git inflates and Python filters on every core (threads would serialize
    the Python side on the GIL). Small jobs run inline."""

    def __init__(self, root: Path, objects: list[catfile.ObjectInfo], scanner: ObjectScanner,
                 workers: int) -> None:
        import multiprocessing

        self.root = root
        self.scanner = scanner
        self.total_objects = len(objects)
        self.total_bytes = sum(o.size for o in objects)  # on disk: for balancing only
        self.bytes_read = 0
        big = self.total_bytes >= _PARALLEL_MIN_BYTES
        self.slices = catfile.shard(objects, workers if big else 1)
        self.procs: list[Any] = []
        self.conns: list[Any] = []
        self.counters: Any = None
        if len(self.slices) > 1:
            ctx = multiprocessing.get_context("fork")
            self.counters = ctx.Array("q", 3 * len(self.slices), lock=False)
            for i, part in enumerate(self.slices):
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_worker_main, daemon=True,
                                   args=(root, part, scanner, self.counters, i, send))
                proc.start()
                send.close()
                self.procs.append(proc)
                self.conns.append(recv)

    def done(self) -> tuple[int, int]:
        if self.counters is None:
            return 0, 0
        vals = list(self.counters)
        return sum(vals[0::3]), sum(vals[1::3])

    def any_hits(self) -> bool:
        return self.counters is not None and any(list(self.counters)[2::3])

    def wait(self, on_first_hit: Callable[[], None] | None) -> None:
        """Until the workers are done; calls on_first_hit once, as soon as one hits."""
        while not self.finished():
            if on_first_hit is not None and self.any_hits():
                on_first_hit()
                on_first_hit = None
            time.sleep(0.05)

    def finished(self) -> bool:
        return all(c.poll() for c in self.conns)

    def collect(self) -> tuple[list[Candidate], list[str]]:
        if not self.procs:
            counters = [0, 0, 0]
            result = _scan_slice(self.root, self.slices[0], self.scanner, counters, 0)
            self.bytes_read = counters[1]
            return result
        cands_all: list[Candidate] = []
        missing_all: list[str] = []
        errors: list[str] = []
        for conn in self.conns:
            try:
                status, a, b, extra = conn.recv()
            except EOFError:
                status, a, b, extra = ("error", "worker exited unexpectedly", [],
                                   ({}, set(), [], [], 0))
            if status != "ok":
                errors.append(str(a))
                continue
            cands_all.extend(a)
            missing_all.extend(b)
            self.scanner.commit_times.update(extra[0])
            self.scanner.hits.update(extra[1])
            self.scanner.problems.extend(extra[2])
            self.scanner.too_large.extend(extra[3])
            self.bytes_read += extra[4]
        for proc in self.procs:
            proc.join()
        if errors:
            raise GitError(f"history scan failed: {errors[0]}")
        return cands_all, missing_all


def _show_progress(par: ParallelScan, on_first_hit: Callable[[], None] | None) -> None:
    """A rich progress bar on stderr until the workers are done (terminals only)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as RichProgress

    started = time.perf_counter()
    with RichProgress(TextColumn("scanning history"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("objects  {task.fields[read]}"), TimeRemainingColumn(),
                      transient=True) as bar:
        task = bar.add_task("history", total=par.total_objects or 1, read="")
        while not par.finished():
            objects, nbytes = par.done()
            rate = nbytes / max(time.perf_counter() - started, 1e-3)
            bar.update(task, completed=objects,
                       read=f"{nbytes / 1e6:,.0f} MB read, {rate / 1e6:,.0f} MB/s")
            if on_first_hit is not None and par.any_hits():
                on_first_hit()
                on_first_hit = None
            time.sleep(0.1)
        bar.update(task, completed=par.total_objects)


def scan_history(ctx: ScanContext) -> None:
    facts = repo_facts(ctx.root)
    root = facts.root
    ctx.result.target = str(root)
    # The engine's code is part of what "clean" means: key on psguard's version too.
    version = f"{ctx.engine.ruleset.version}-{__version__}"
    cache = None if ctx.options.no_cache else BlobCache.load(facts.git_dir, version)
    stash = _stash_tips(root)
    state = _refs_state(root, stash)
    locate_cache = None if ctx.options.no_cache else LocateCache.load(facts.git_dir, version)
    cached_state = locate_cache.state if locate_cache is not None else None
    missing: list[str] = []
    traversal = None
    if cached_state is not None and cached_state == state and locate_cache is not None:
        missing = _still_missing(root, locate_cache.missing)
    else:
        traversal = _start_missing(root, stash)  # runs alongside the object listing and scan

    odb = odb_fingerprint(facts.git_dir) if cache is not None else None
    todo: list[catfile.ObjectInfo] = []
    if (odb is not None and cache is not None and cache.clean and locate_cache is not None
            and locate_cache.odb == odb):
        # Same objects as last time: only what was not clean needs reading again.
        todo = [catfile.ObjectInfo(oid, kind, 0) for oid, kind in locate_cache.pending]
        ctx.result.stats.commits = locate_cache.counts.get("commits", 0)
        ctx.result.stats.blobs = locate_cache.counts.get("blobs", 0)
    else:
        objects = catfile.list_objects(root, git_dir=facts.git_dir, hash_len=facts.hash_len)
        for obj in objects:
            if obj.type == "commit":
                ctx.result.stats.commits += 1
            elif obj.type == "blob":
                ctx.result.stats.blobs += 1
            if cache is None or not cache.is_clean(obj.oid):
                todo.append(obj)
        del objects

    max_size = ctx.config.max_file_size
    scanner = ObjectScanner(ctx.engine, max_size=max_size)
    workers = max(1, min(2, os.cpu_count() or 1))
    par = ParallelScan(root, todo, scanner, workers)
    # Locating needs one walk over all commits. Start it when the first hit shows up, so
    # it overlaps the scan; a clean repository never pays for it.
    walk: list[MainWalk] = []

    def start_walk() -> None:
        walk.append(MainWalk(root))

    early = None if cached_state == state else start_walk
    if par.procs and sys.stderr.isatty():
        _show_progress(par, early)
    elif par.procs:
        par.wait(early)
    cands, unreadable = par.collect()
    ctx.result.problems.extend(scanner.problems)
    if traversal is not None:
        missing = _finish_missing(*traversal)
    ctx.result.stats.bytes = par.bytes_read
    if scanner.too_large:
        ctx.result.problems.append(Problem(
            "too-large", "history", f"{len(scanner.too_large)} blob(s) above max_file_size "
            f"({max_size} bytes) not scanned", incomplete=False))
    bad = set(unreadable) | scanner.hits | set(scanner.too_large)
    clean = [o.oid for o in todo if o.oid not in bad]

    for oid in sorted(set(missing) | set(unreadable)):
        ctx.result.problems.append(Problem(
            "missing-object", oid, "object not present in the repository (partial clone "
            "or damaged repository); not scanned"))
    if facts.shallow:
        ctx.result.problems.append(Problem(
            "not-scanned", "history before the shallow boundary",
            "shallow clone: older commits are not in this repository "
            "(run `git fetch --unshallow` for a full audit)"))

    attributes: list[str] = []
    head_blobs, submodules = tree_blobs(root, attributes=attributes)
    if attributes and _uses_lfs(root, attributes):
        ctx.result.problems.append(Problem(
            "warning", "git-lfs", "files tracked by Git LFS live on the LFS server, not in "
            "git: their pointer files were scanned, their content was not", incomplete=False))
    for sub in submodules:
        ctx.result.problems.append(Problem(
            "warning", sub, "submodule: not descended into (scan its repository separately)",
            incomplete=False))

    hit_blobs = {c.origin.blob for c in cands if c.origin.kind == "blob" and c.origin.blob}
    located: dict[str, list[Location]] = {}
    if locate_cache is not None and cached_state == state:
        located = {b: locate_cache.located[b] for b in hit_blobs if b in locate_cache.located}
    fresh = locate_blobs(root, hit_blobs - located.keys(), None,
                         walk[0] if walk else None)
    located.update(fresh)
    cands = _classify_commit_messages(root, cands, stash)
    expanded, times, notes = expand_located(
        cands, located, lambda b: None if b in located else UNREACHABLE_NOTE)
    ctx.candidates.extend(drop_excluded(expanded, ctx.config.exclude))
    for c in cands:
        if c.origin.kind in ("commit-message", "stash") and c.origin.commit:
            times.setdefault(c.origin.commit, (scanner.commit_times.get(
                c.origin.commit, (0, None, None))[0], 0))

    if cache is not None:
        cache.add(clean)
        cache.save()
    if not ctx.options.no_cache:
        pending = [(o.oid, o.type) for o in todo if o.oid in bad]
        counts = {"commits": ctx.result.stats.commits, "blobs": ctx.result.stats.blobs}
        LocateCache(state, missing=sorted(set(missing)), located=located, odb=odb,
                    pending=pending, counts=counts).save(facts.git_dir, version)
    ctx.finalizers.append(lambda c: finish_findings(c, root, times, notes, head_blobs))


def _uses_lfs(root: Path, attribute_blobs: list[str]) -> bool:
    return any(b"filter=lfs" in data for _, kind, data in
               catfile.read_objects(root, attribute_blobs) if kind == "blob")


def _stash_tips(root: Path) -> list[str]:
    from psguard.scanner.locate import stash_tips

    return stash_tips(root)


def _refs_state(root: Path, stash: list[str]) -> str:
    import hashlib

    refs = run_git(["for-each-ref", "--format=%(objectname) %(refname)"], root,
                   check=False).stdout
    head = run_git(["rev-parse", "-q", "--verify", "HEAD"], root, check=False).stdout
    digest = hashlib.sha256(refs + b"\0" + head + b"\0" + " ".join(stash).encode())
    return digest.hexdigest()


def _still_missing(root: Path, oids: list[str]) -> list[str]:
    if not oids:
        return []
    proc = run_git(["cat-file", "--batch-check=%(objectname) %(objecttype)"], root,
                   input=("\n".join(oids) + "\n").encode(), check=False, no_fetch=True)
    # In a partial clone git dies on the first missing object (it may not fetch it):
    # whatever git did not report as present is still missing.
    present = {line.split(b" ")[0].decode() for line in proc.stdout.split(b"\n")
               if line and not line.endswith(b" missing")}
    return [oid for oid in oids if oid not in present]


def _classify_commit_messages(root: Path, cands: list[Candidate], stash: list[str]
                              ) -> list[Candidate]:
    """Commit-message hits in stash commits are stash locations; others stay."""
    commits = {c.origin.commit for c in cands if c.origin.kind == "commit-message"}
    if not commits or not stash:
        return cands
    proc = run_git(["rev-list", *stash, "--not", "--exclude=refs/stash", "--all", "--"],
                   root, check=False)
    stash_only = set(proc.stdout.decode().split())
    out = []
    for c in cands:
        if c.origin.kind == "commit-message" and c.origin.commit in stash_only:
            c = c.replace(origin=c.origin.replace(kind="stash"))
        out.append(c)
    return out


def finish_findings(ctx: ScanContext, root: Path, times: dict[str, tuple[int, int]],
                    notes: dict[str, list[str]], head_blobs: set[str] | None) -> None:
    """After grouping: first commit, refs that reach the key, present at HEAD, notes."""
    for f in ctx.result.findings:
        commits = [c.origin for c in f.candidates if c.origin.commit]
        if commits:
            first = min(commits, key=lambda o: times.get(o.commit or "", (1 << 62, 0)))
            f.first_seen = {"commit": first.commit, "author": first.author,
                            "date": first.date}
            f.refs = refs_containing(root, {o.commit for o in commits if o.commit})
        if head_blobs is not None:
            f.present_at_head = any(c.origin.blob in head_blobs for c in f.candidates
                                    if c.origin.blob)
        for c in f.candidates:
            for note in notes.get(c.origin.blob or "", []):
                if note not in f.notes:
                    f.notes.append(note)
