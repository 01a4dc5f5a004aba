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
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from psguard import __version__
from psguard.models import Candidate, Problem
from psguard.scanner import catfile
from psguard.scanner.blobcache import BlobCache, LocateCache
from psguard.scanner.git import popen_git, require_repository, run_git
from psguard.scanner.gitobjects import ObjectScanner, expand_located
from psguard.scanner.locate import Location, locate_blobs, refs_containing, tree_blobs

if TYPE_CHECKING:
    from psguard.app import ScanContext

UNREACHABLE_NOTE = ("in an object that no ref or reflog reaches (a dangling object in "
                    "this clone's object store; `git gc --prune=now` removes it)")


@dataclass
class RepoFacts:
    root: Path
    git_dir: Path
    shallow: bool
    bare: bool


def repo_facts(path: Path) -> RepoFacts:
    root = require_repository(path)
    out = run_git(["rev-parse", "--git-common-dir", "--is-shallow-repository",
                   "--is-bare-repository"], root).stdout.decode().splitlines()
    git_dir = Path(out[0])
    if not git_dir.is_absolute():
        git_dir = (root / git_dir).resolve()
    return RepoFacts(root, git_dir, out[1] == "true", out[2] == "true")


@dataclass
class Progress:
    total_objects: int
    total_bytes: int
    done_objects: int = 0
    done_bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, objects: int, nbytes: int) -> None:
        with self.lock:
            self.done_objects += objects
            self.done_bytes += nbytes


def _list_missing(root: Path, extra_tips: list[str], out: list[str]) -> None:
    args = ["rev-list", "--objects", "--no-object-names", "--missing=print", "--all",
            *extra_tips, "--"]
    proc = popen_git(args, root, stderr=False)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(b"?"):
            out.append(line[1:].strip().decode())
    proc.wait()


def scan_objects_parallel(root: Path, objects: list[catfile.ObjectInfo],
                          scanner: ObjectScanner, progress: Progress | None,
                          workers: int) -> tuple[list[Candidate], list[str], list[str]]:
    """Read and scan objects with one cat-file reader per worker thread.

    Returns candidates, ids found clean, and ids git could not read.
    """
    slices = catfile.shard(objects, workers)
    results: list[tuple[list[Candidate], list[str], list[str]]] = [
        ([], [], []) for _ in slices]
    failures: list[BaseException] = []
    may_match = scanner.engine.may_match

    def work(index: int) -> None:
        cands, clean, missing = results[index]
        n = 0
        nbytes = 0
        try:
            for oid, kind, data in catfile.read_objects(root, (o.oid for o in slices[index])):
                if kind == "missing":
                    missing.append(oid)
                    continue
                n += 1
                nbytes += len(data)
                if n >= 256 and progress is not None:
                    progress.add(n, nbytes)
                    n = nbytes = 0
                found = scanner.scan(oid, kind, data) if may_match(data) else []
                if found:
                    cands.extend(found)
                else:
                    clean.append(oid)
            if progress is not None:
                progress.add(n, nbytes)
        except BaseException as exc:  # surfaced in the caller's thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,), daemon=True)
               for i in range(len(slices))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]
    cands_all: list[Candidate] = []
    clean_all: list[str] = []
    missing_all: list[str] = []
    for c, k, m in results:
        cands_all.extend(c)
        clean_all.extend(k)
        missing_all.extend(m)
    return cands_all, clean_all, missing_all


def _run_with_progress(progress: Progress, fn: Callable[[], None]) -> None:
    """Run fn, drawing a rich progress bar on stderr meanwhile (terminals only)."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )
    from rich.progress import Progress as RichProgress

    done = threading.Event()
    error: list[BaseException] = []

    def target() -> None:
        try:
            fn()
        except BaseException as exc:
            error.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=target, daemon=True)
    total = progress.total_objects
    with RichProgress(TextColumn("scanning history"), BarColumn(),
                      TextColumn("{task.fields[objects]} objects"), DownloadColumn(),
                      TransferSpeedColumn(), TimeRemainingColumn(),
                      transient=True) as bar:
        task = bar.add_task("history", total=progress.total_bytes or 1,
                            objects=f"0/{total}")
        worker.start()
        while not done.wait(0.1):
            bar.update(task, completed=progress.done_bytes,
                       objects=f"{progress.done_objects}/{total}")
        bar.update(task, completed=progress.total_bytes, objects=f"{total}/{total}")
    worker.join()
    if error:
        raise error[0]


def scan_history(ctx: ScanContext) -> None:
    facts = repo_facts(ctx.root)
    root = facts.root
    ctx.result.target = str(root)
    # The engine's code is part of what "clean" means: key on psguard's version too.
    version = f"{ctx.engine.ruleset.version}-{__version__}"
    cache = None if ctx.options.no_cache else BlobCache.load(facts.git_dir, version)

    objects = catfile.list_objects(root)
    max_size = ctx.config.max_file_size
    todo: list[catfile.ObjectInfo] = []
    too_large = 0
    for obj in objects:
        if obj.type == "commit":
            ctx.result.stats.commits += 1
        elif obj.type == "blob":
            ctx.result.stats.blobs += 1
        if cache is not None and cache.is_clean(obj.oid):
            continue
        if obj.type == "blob" and obj.size > max_size:
            too_large += 1
            continue
        todo.append(obj)
    if too_large:
        ctx.result.problems.append(Problem(
            "too-large", "history", f"{too_large} blob(s) above max_file_size "
            f"({max_size} bytes) not scanned", incomplete=False))

    stash = _stash_tips(root)
    state = _refs_state(root, stash)
    locate_cache = None if ctx.options.no_cache else LocateCache.load(facts.git_dir, version)
    cached_state = locate_cache.state if locate_cache is not None else None
    missing: list[str] = []
    missing_thread = None
    if cached_state is not None and cached_state == state and locate_cache is not None:
        missing = _still_missing(root, locate_cache.missing)
    else:
        missing_thread = threading.Thread(target=_list_missing,
                                          args=(root, stash, missing), daemon=True)
        missing_thread.start()

    scanner = ObjectScanner(ctx.engine)
    workers = max(1, min(2, os.cpu_count() or 1))
    progress = Progress(len(todo), sum(o.size for o in todo))
    box: list[tuple[list[Candidate], list[str], list[str]]] = []

    def run() -> None:
        box.append(scan_objects_parallel(root, todo, scanner, progress, workers))

    if sys.stderr.isatty() and todo:
        _run_with_progress(progress, run)
    else:
        run()
    cands, clean, unreadable = box[0]
    ctx.result.stats.bytes = progress.done_bytes
    if missing_thread is not None:
        missing_thread.join()

    for oid in sorted(set(missing) | set(unreadable)):
        ctx.result.problems.append(Problem(
            "missing-object", oid, "object not present in the repository (partial clone "
            "or damaged repository); not scanned"))
    if facts.shallow:
        ctx.result.problems.append(Problem(
            "not-scanned", "history before the shallow boundary",
            "shallow clone: older commits are not in this repository "
            "(run `git fetch --unshallow` for a full audit)"))

    head_blobs, submodules = tree_blobs(root)
    for sub in submodules:
        ctx.result.problems.append(Problem(
            "warning", sub, "submodule: not descended into (scan its repository separately)",
            incomplete=False))

    hit_blobs = {c.origin.blob for c in cands if c.origin.kind == "blob" and c.origin.blob}
    located: dict[str, list[Location]] = {}
    if locate_cache is not None and cached_state == state:
        located = {b: locate_cache.located[b] for b in hit_blobs if b in locate_cache.located}
    fresh = locate_blobs(root, hit_blobs - located.keys(), None)
    located.update(fresh)
    cands = _classify_commit_messages(root, cands, stash)
    expanded, times, notes = expand_located(
        cands, located, lambda b: None if b in located else UNREACHABLE_NOTE)
    ctx.candidates.extend(expanded)
    for c in cands:
        if c.origin.kind in ("commit-message", "stash") and c.origin.commit:
            times.setdefault(c.origin.commit, (scanner.commit_times.get(
                c.origin.commit, (0, None, None))[0], 0))

    if cache is not None:
        cache.add(clean)
        cache.save()
    if not ctx.options.no_cache:
        LocateCache(state, missing=sorted(set(missing)), located=located).save(
            facts.git_dir, version)
    ctx.finalizers.append(lambda c: finish_findings(c, root, times, notes, head_blobs))


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
    return [line.split(b" ")[0].decode() for line in proc.stdout.split(b"\n")
            if line.endswith(b" missing")]


def _classify_commit_messages(root: Path, cands: list[Candidate], stash: list[str]
                              ) -> list[Candidate]:
    """Commit-message hits in stash commits are stash locations; others stay."""
    import dataclasses

    commits = {c.origin.commit for c in cands if c.origin.kind == "commit-message"}
    if not commits or not stash:
        return cands
    proc = run_git(["rev-list", *stash, "--not", "--exclude=refs/stash", "--all", "--"],
                   root, check=False)
    stash_only = set(proc.stdout.decode().split())
    out = []
    for c in cands:
        if c.origin.kind == "commit-message" and c.origin.commit in stash_only:
            c = dataclasses.replace(c, origin=dataclasses.replace(c.origin, kind="stash"))
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
