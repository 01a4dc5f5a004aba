"""The history source: every object in the repository, each read and scanned once.

1. `git cat-file --batch-all-objects --batch-check --unordered` lists blobs, commits
   and tags in pack order (what a clone holds: every branch, tag, note and stash,
   and also objects no ref reaches any more).
2. Objects the blob cache already knows to be clean under this rule set are dropped.
3. The rest is split into contiguous slices of the pack order, one long-lived
   `git cat-file --batch` reader per core, each reading its slice backwards (so git
   inflates every object of a delta chain once: catfile.py); each object goes
   through the engine's literal prefilter and only on a hit through the rules.
4. Concurrently, one `git log --raw` walk over the branches, tags and other refs
   (locate.MainWalk) records every commit's changes. It finds the objects refs reach
   but the repository lacks (partial clones, damaged mirrors): a missing commit, tree
   or tag stops it (then `git rev-list --objects --all --missing=print` lists them,
   as a fallback); a missing blob is one it shows that the listing of step 1 does
   not hold. What it does not walk (the stash, notes, refs to trees or blobs) gets a
   small `git rev-list --objects --missing=print` of its own.
5. Blobs with hits are located (locate.py) from the same walk's output: the commits
   and paths that brought them.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psguard.git import catfile
from psguard.git.locate import (
    Location,
    MainWalk,
    locate_blobs,
    tree_blobs,
)
from psguard.git.runner import (
    GitError,
    git_command,
    no_fetch_env,
    run_git,
)
from psguard.models import Candidate, Problem
from psguard.request import Mode
from psguard.sources.base import CommitFacts, SourceInput, SourceResult
from psguard.sources.blobcache import BlobCache, LocateCache, odb_fingerprint
from psguard.sources.objects import ObjectScanner, drop_excluded, expand_located
from psguard.version import __version__

if TYPE_CHECKING:
    pass

_PARALLEL_MIN_BYTES = 4 << 20  # below this, one inline reader beats forking workers
_UNWALKED = "-"  # in a missing list: a walk stopped at an object it could not name
UNREACHABLE_NOTE = ("in an object that no ref or reflog reaches (a dangling object in "
                    "this clone's object store; `git gc --prune=now` removes it)")


def _start_missing(root: Path, extra_tips: list[str], revs: bytes | None = None
                   ) -> tuple[Any, Any, Any]:
    """Start listing what refs reach but the repository lacks; runs during the scan.

    By default everything: every ref and extra_tips. With revs (lines for
    `rev-list --stdin`), only those. Output goes to an unnamed temporary file, so
    nothing has to read it meanwhile.
    """
    import subprocess
    import tempfile

    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _finish_missing
    args = ["rev-list", "--objects", "--no-object-names", "--missing=print"]
    args += ["--stdin"] if revs is not None else ["--all", *extra_tips, "--"]
    err = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _finish_missing
    with tempfile.TemporaryFile() as stdin:
        stdin.write(revs or b"")
        stdin.seek(0)
        proc = subprocess.Popen(git_command(args, root, no_fetch=True),
                                env=no_fetch_env(), stdin=stdin, stdout=out, stderr=err)
    return proc, out, err


def _finish_missing(proc: Any, out: Any, err: Any, root: Path | None = None
                    ) -> tuple[list[str], bool]:
    """The objects rev-list printed as missing, and whether it walked everything.

    rev-list stops, instead of printing it, at a missing commit or at a ref to a
    missing tag: with root given, those ids are found (from git's message, and among
    the refs' own objects) and added.
    """
    proc.wait()
    out.seek(0)
    missing = [line[1:].strip().decode() for line in out if line.startswith(b"?")]
    out.close()
    err.seek(0)
    message = err.read(1 << 16)
    err.close()
    if proc.returncode == 0:
        return missing, True
    if root is not None:
        missing += _walk_stoppers(root, message)
    return missing, False


def _walk_stoppers(root: Path, message: bytes) -> list[str]:
    """Missing objects that stopped a walk: ids git named (some named objects are
    present: "could not traverse parents of <commit>") and refs to missing objects."""
    import re

    named = {m.decode() for m in re.findall(rb"\b[0-9a-f]{40}(?:[0-9a-f]{24})?\b", message)}
    refs = run_git(["for-each-ref", "--format=%(objectname)"], root, check=False,
                   no_fetch=True).stdout.decode().split()
    suspects = _still_missing(root, sorted(named | set(refs)))
    # git may stop at the first missing id of a batch: ask again one at a time
    return [oid for i, oid in enumerate(suspects) if i >= 100 or _still_missing(root, [oid])]


def _outside_main_walk(root: Path, stash: list[str]) -> bytes | None:
    """`rev-list --stdin` lines for what the main walk (locate.MAIN_REVS) does not
    cover: the stash and its reflog entries, notes refs, refs to trees or blobs (or
    to tags of those), each as a tip, and every other ref's object as `^id` so the
    history they share with it is not walked twice. b"" when there is nothing
    outside; None when the refs cannot be read (a missing tag object)."""
    proc = run_git(["for-each-ref", "--format=%(objectname) %(objecttype) %(*objecttype) "
                    "%(refname)"], root, check=False, no_fetch=True)
    if proc.returncode != 0:
        return None
    tips = list(stash)
    covered: list[str] = []
    for line in proc.stdout.split(b"\n"):
        fields = line.split(b" ", 3)
        if len(fields) != 4:
            continue
        oid, kind, peeled, name = (f.decode(errors="replace") for f in fields)
        main = name != "refs/stash" and not name.startswith("refs/notes/")
        if main and (kind == "commit" or (kind == "tag" and peeled == "commit")):
            covered.append(oid)
        else:
            tips.append(oid)
    if not tips:
        return b""
    return "".join(f"{t}\n" for t in [*tips, *(f"^{c}" for c in covered)]).encode()


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
                 workers: int | None = None) -> None:
        import multiprocessing

        self.root = root
        self.scanner = scanner
        self.total_objects = len(objects)
        self.total_bytes = sum(o.size for o in objects)  # on disk: for balancing only
        self.bytes_read = 0
        big = self.total_bytes >= _PARALLEL_MIN_BYTES
        if workers is None:  # one per core, at most two (more was never measured)
            workers = max(1, min(2, os.cpu_count() or 1))
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


def scan_history(given: SourceInput) -> SourceResult:
    facts = given.repo.snapshot()
    root = facts.root
    result = SourceResult(Mode.HISTORY, str(root))
    # The engine's code is part of what "clean" means: key on psguard's version too.
    version = f"{given.engine.ruleset.version}-{__version__}"
    cache = None if given.request.no_cache else BlobCache.load(facts.common_dir, version)
    stash = _stash_tips(root)
    state = _refs_state(root, stash)
    locate_cache = None if given.request.no_cache else LocateCache.load(facts.common_dir, version)
    cached_state = locate_cache.state if locate_cache is not None else None
    # (after a walk that stopped at something it could not name, walk again)
    refs_unchanged = (locate_cache is not None and cached_state == state
                      and _UNWALKED not in locate_cache.missing)
    odb = odb_fingerprint(facts.common_dir) if cache is not None else None
    same_objects = (odb is not None and cache is not None and bool(cache.clean)
                    and locate_cache is not None and locate_cache.odb == odb)
    missing: list[str] = []
    traversal = None  # the full missing-object walk (rev-list), when needed
    outside = None  # the small one, for what the main walk does not cover
    walk: list[MainWalk] = []  # the walk over branches and tags, for locating
    if refs_unchanged and locate_cache is not None:
        missing = _still_missing(root, locate_cache.missing)  # no walk at all
    elif same_objects:
        # No object listing this time, so missing blobs cannot be told from the main
        # walk: rev-list finds them (the main walk starts only if something hits).
        traversal = _start_missing(root, stash)
    else:
        # Both run alongside the object listing and the scan.
        walk.append(MainWalk(root))
        revs = _outside_main_walk(root, stash)
        if revs is None:
            traversal = _start_missing(root, stash)
        elif revs:
            outside = _start_missing(root, stash, revs)

    todo: list[catfile.ObjectInfo] = []
    listed_blobs: set[bytes] = set()
    if same_objects and locate_cache is not None:
        # Same objects as last time: only what was not clean needs reading again.
        todo = [catfile.ObjectInfo(oid, kind, 0) for oid, kind in locate_cache.pending]
        result.stats.commits = locate_cache.counts.get("commits", 0)
        result.stats.blobs = locate_cache.counts.get("blobs", 0)
    else:
        objects = catfile.list_objects(root, git_dir=facts.common_dir, hash_len=facts.hash_len)
        for obj in objects:
            if obj.type == "commit":
                result.stats.commits += 1
            elif obj.type == "blob":
                result.stats.blobs += 1
                if walk:
                    listed_blobs.add(obj.oid.encode())
            if cache is None or not cache.is_clean(obj.oid):
                todo.append(obj)
        del objects

    max_size = given.config.max_file_size
    scanner = ObjectScanner(given.engine, max_size=max_size)
    par = ParallelScan(root, todo, scanner)
    absent = None  # blobs the walk shows that the listing lacks, found during the scan
    if walk and traversal is None:
        from concurrent.futures import ThreadPoolExecutor

        # After the fork: the workers must not inherit a running thread.
        background = ThreadPoolExecutor(1)
        absent = background.submit(walk[0].absent_blobs, listed_blobs)
        background.shutdown(wait=False)
    # Locating needs one walk over all commits. Without it running already, start it
    # when the first hit shows up, so it overlaps the scan.

    def start_walk() -> None:
        walk.append(MainWalk(root))

    early = None if refs_unchanged or walk else start_walk
    if par.procs and sys.stderr.isatty():
        _show_progress(par, early)
    elif par.procs:
        par.wait(early)
    cands, unreadable = par.collect()
    result.problems.extend(scanner.problems)
    if absent is not None:
        missing = _missing_from_walk(root, stash, walk[0], absent.result(), outside)
        listed_blobs.clear()
    if traversal is not None:
        missing = _finish_full(root, traversal)
    result.stats.bytes = par.bytes_read
    if scanner.too_large:
        result.problems.append(Problem(
            "too-large", "history", f"{len(scanner.too_large)} blob(s) above max_file_size "
            f"({max_size} bytes) not scanned", incomplete=False))
    bad = set(unreadable) | scanner.hits | set(scanner.too_large)
    clean = [o.oid for o in todo if o.oid not in bad]

    for oid in sorted(set(missing) | set(unreadable)):
        if oid == _UNWALKED:
            result.problems.append(Problem(
                "not-scanned", "history", "git could not walk every ref's history (a "
                "missing or damaged object): what lies beyond it was not checked"))
            continue
        result.problems.append(Problem(
            "missing-object", oid, "object not present in the repository (partial clone "
            "or damaged repository); not scanned"))
    if facts.shallow:
        result.problems.append(Problem(
            "not-scanned", "history before the shallow boundary",
            "shallow clone: older commits are not in this repository "
            "(run `git fetch --unshallow` for a full audit)"))

    attributes: list[str] = []
    head_blobs, submodules = tree_blobs(root, attributes=attributes)
    if attributes and _uses_lfs(root, attributes):
        result.problems.append(Problem(
            "warning", "git-lfs", "files tracked by Git LFS live on the LFS server, not in "
            "git: their pointer files were scanned, their content was not", incomplete=False))
    for sub in submodules:
        result.problems.append(Problem(
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
    result.candidates.extend(drop_excluded(expanded, given.config))
    for c in cands:
        if c.origin.kind in ("commit-message", "stash") and c.origin.commit:
            times.setdefault(c.origin.commit, (scanner.commit_times.get(
                c.origin.commit, (0, None, None))[0], 0))

    if cache is not None:
        cache.add(clean)
        cache.save()
    if not given.request.no_cache:
        pending = [(o.oid, o.type) for o in todo if o.oid in bad]
        counts = {"commits": result.stats.commits, "blobs": result.stats.blobs}
        LocateCache(state, missing=sorted(set(missing)), located=located, odb=odb,
                    pending=pending, counts=counts).save(facts.common_dir, version)
    result.commit_facts = CommitFacts(root, times, notes, head_blobs)
    return result


def _finish_full(root: Path, traversal: tuple[Any, Any, Any]) -> list[str]:
    """The full missing-object walk's result. If it could not walk everything and no
    missing object explains why, an id-less entry ("history") says so."""
    missing, complete = _finish_missing(*traversal, root=root)
    if not complete and not missing:
        missing = [_UNWALKED]
    return missing


def _missing_from_walk(root: Path, stash: list[str], walk: MainWalk,
                       not_listed: set[str], outside: tuple[Any, Any, Any] | None
                       ) -> list[str]:
    """What refs reach but the repository lacks, from the main walk's output (blobs it
    shows that the object listing lacks, `not_listed`, confirmed by git) and the small
    walk over what it does not cover. If either walk stopped early (a missing commit,
    tree or tag), the full rev-list walk instead, which lists those too."""
    outside_ok = True
    missing: list[str] = []
    if outside is not None:
        missing, outside_ok = _finish_missing(*outside)
    if walk.wait() != 0 or not outside_ok:
        return _finish_full(root, _start_missing(root, stash))
    # Not listed: missing, or (alternates the listing did not see) present after all.
    missing += _still_missing(root, sorted(not_listed))
    return missing


def _uses_lfs(root: Path, attribute_blobs: list[str]) -> bool:
    return any(b"filter=lfs" in data for _, kind, data in
               catfile.read_objects(root, attribute_blobs) if kind == "blob")


def _stash_tips(root: Path) -> list[str]:
    from psguard.git.locate import stash_tips

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
