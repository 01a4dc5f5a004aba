"""Reading many git objects on every core: the history and range sources' reader.

The objects are split into contiguous slices of about equal content (catfile.shard),
one long-lived `git cat-file --batch` reader a slice, each reading its slice in delta
order (a history's listing) or backwards in pack order (a range's), so that git
rebuilds every object of a delta chain about once (catfile.py); each object goes
through the engine's prefilter (engine.scan_gated) and only on a hit through the rules. Small
jobs run inline, with one reader.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from psguard.git import catfile
from psguard.git.runner import GitError
from psguard.models import Candidate
from psguard.sources.objects import ObjectScanner

_PARALLEL_MIN_BYTES = 16 << 20  # of content: below, one inline reader beats forking
_MAX_WORKERS = 2  # one per core, at most two (more was never measured)
# What a worker that failed sends back in place of its scanner's state.
_NO_EXTRA: tuple[Any, ...] = ({}, set(), [], [], 0, set())


def scan_slice(root: Path, objects: list[catfile.ObjectInfo], scanner: ObjectScanner,
               counters: Any, index: int, *, delta_order: bool = False
               ) -> tuple[list[Candidate], list[str]]:
    """Read and scan one slice with its own cat-file reader: candidates, unreadable ids.

    Blobs above max_file_size are scanned at their ends only; their ids go to
    scanner.too_large.
    counters (three a slice: objects, bytes, objects with hits) show progress.
    """
    cands: list[Candidate] = []
    missing: list[str] = []
    if not objects:  # a range that adds nothing (a new branch of existing commits)
        return cands, missing
    may_match = scanner.engine.may_match_bulk
    n = nbytes = shown = 0
    ends: dict[str, tuple[int, bytes, bytes]] = {}
    for oid, kind, data in catfile.read_objects(root, (o.oid for o in objects),
                                                scanner.max_size, ends, scanner.edge,
                                                delta_order=delta_order):
        if kind == "missing":
            missing.append(oid)
            continue
        if kind == "too-large":
            cands.extend(scanner.scan_ends(oid, *ends.pop(oid)))
            continue
        n += 1
        nbytes += len(data)
        # every 256 objects, or every 4 MB (a history of few large blobs)
        if counters is not None and (n & 255 == 0 or nbytes - shown >= 4 << 20):
            counters[3 * index] = n
            counters[3 * index + 1] = shown = nbytes
        # Blobs go to the engine's own gate (one pass with Hyperscan); commit and tag
        # objects are small: the plain gate rules most out before their header is read.
        if kind == "blob" or may_match(data):
            found = scanner.scan(oid, kind, data)
            if found:
                cands.extend(found)
                if counters is not None:
                    counters[3 * index + 2] += 1
    if counters is not None:
        counters[3 * index] = n
        counters[3 * index + 1] = nbytes
    return cands, missing


def slice_count(total_bytes: int, workers: int | None) -> int:
    """How many slices a read of total_bytes of content is cut into: one a worker (by
    default one a core, at most _MAX_WORKERS), or one when it is small."""
    if total_bytes < _PARALLEL_MIN_BYTES:
        return 1
    if workers is None:
        workers = max(1, min(_MAX_WORKERS, os.cpu_count() or 1))
    return workers


def _worker_main(root: Path, objects: list[catfile.ObjectInfo], scanner: ObjectScanner,
                 counters: Any, index: int, delta_order: bool, conn: Any) -> None:
    try:
        cands, missing = scan_slice(root, objects, scanner, counters, index,
                                    delta_order=delta_order)
        nbytes_read = counters[3 * index + 1]
        conn.send(("ok", cands, missing, (scanner.commit_times, scanner.hits,
                                          scanner.problems, scanner.too_large, nbytes_read,
                                          scanner.problem_objects)))
    except BaseException as exc:  # reported by the parent; never includes scanned bytes
        conn.send(("error", f"{type(exc).__name__}: {exc}", [], _NO_EXTRA))
    finally:
        conn.close()


class ParallelScan:
    """One slice of the pack order per core, each with its own cat-file reader: git
    inflates and Python filters on every core (threads would serialize the Python side
    on the GIL). The parent reads the first slice itself and a worker process each of
    the others: one Python process fewer than slices, each of which holds the listing
    and the engine (about 60 MB resident on a large history). Small jobs run inline.

    The workers start (fork) when this is made; `run` reads the first slice while
    they read theirs, and collects what they found."""

    def __init__(self, root: Path, objects: list[catfile.ObjectInfo], scanner: ObjectScanner,
                 workers: int | None = None, *, delta_order: bool = False) -> None:
        """delta_order: objects come from catfile.list_objects (read forwards), not
        in pack order (read backwards)."""
        self.root = root
        self.scanner = scanner
        self.total_objects = len(objects)
        self.total_bytes = sum(o.size for o in objects)  # content (estimated): balancing
        self.bytes_read = 0
        self.delta_order = delta_order
        self.slices = catfile.shard(objects, slice_count(self.total_bytes, workers),
                                    backwards=not delta_order)
        self.start_workers(len(self.slices), _worker_main, lambda i: (
            root, self.slices[i], scanner, self.counters, i, delta_order))

    def start_workers(self, parts: int, target: Callable[..., None],
                      args_for: Callable[[int], tuple[Any, ...]]) -> None:
        """Fork a worker for each slice but the first, which the parent reads in run():
        target(*args_for(i), send) reports through its pipe; self.counters (three a
        slice) is there before args_for is asked."""
        self.procs: list[Any] = []
        self.conns: list[Any] = []
        self.counters: Any = None
        self.own: tuple[list[Candidate], list[str]] | None = None  # the parent's slice's
        if parts <= 1:
            return
        import multiprocessing  # 20-30 ms: only when there are workers to start

        ctx = multiprocessing.get_context("fork")
        self.counters = ctx.Array("q", 3 * parts, lock=False)
        for i in range(1, parts):
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=target, daemon=True, args=(*args_for(i), send))
            proc.start()
            send.close()
            self.procs.append(proc)
            self.conns.append(recv)

    def run(self, on_first_hit: Callable[[], None] | None = None, *,
            progress: bool = False) -> tuple[list[Candidate], list[str]]:
        """Read the first slice while a thread watches everyone's progress (a progress
        bar when asked and stderr is a terminal) and calls on_first_hit once as soon as
        one hits; then collect. Inline, on_first_hit is never called: the scan is over
        before it could help."""
        if not self.procs:
            return self.collect()
        failed: list[BaseException] = []

        def watch() -> None:
            try:
                self.follow(on_first_hit, progress)
            except BaseException as exc:  # raised in the caller's thread, below
                failed.append(exc)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            self.own = self.read_own()
        except BaseException:
            for proc in self.procs:  # no one is left to collect them
                proc.kill()
            raise
        finally:
            self.own = self.own or ([], [])  # the watcher stops once this is set
            watcher.join()
        if failed:
            raise failed[0]
        return self.collect()

    def read_own(self) -> tuple[list[Candidate], list[str]]:
        """Read the parent's slice (while workers read theirs)."""
        return scan_slice(self.root, self.slices[0], self.scanner, self.counters, 0,
                          delta_order=self.delta_order)

    def follow(self, on_first_hit: Callable[[], None] | None, progress: bool) -> None:
        """Until every slice is read: a progress bar when asked and stderr is a
        terminal, plain lines when asked otherwise; on_first_hit once, at the first hit."""
        if progress and sys.stderr.isatty():
            show_progress(self, on_first_hit)
        else:
            self.wait(on_first_hit, PlainProgress(self) if progress else None)

    def done(self) -> tuple[int, int]:
        """Objects and bytes read so far, over all workers."""
        if self.counters is None:
            return 0, 0
        vals = list(self.counters)
        return sum(vals[0::3]), sum(vals[1::3])

    def any_hits(self) -> bool:
        return self.counters is not None and any(list(self.counters)[2::3])

    def wait(self, on_first_hit: Callable[[], None] | None,
             plain: PlainProgress | None = None) -> None:
        """Until the workers are done; calls on_first_hit once, as soon as one hits."""
        while True:
            if plain is not None:
                plain.tick()
            if self.finished():
                break
            if on_first_hit is not None and self.any_hits():
                on_first_hit()
                on_first_hit = None
            time.sleep(0.05)
        if plain is not None:
            plain.close()

    def finished(self) -> bool:
        """The parent's slice and every worker's are read."""
        return (self.own is not None or not self.procs) and all(c.poll() for c in self.conns)

    def collect(self) -> tuple[list[Candidate], list[str]]:
        """Candidates and unreadable ids of every slice; the workers' scanner state
        (commit times, hits, problems, oversized blobs) merged into self.scanner."""
        if not self.procs:
            counters = [0, 0, 0]
            result = scan_slice(self.root, self.slices[0], self.scanner, counters, 0,
                                delta_order=self.delta_order)
            self.bytes_read = counters[1]
            return result
        assert self.own is not None, "run() reads the parent's slice"
        cands_all, missing_all = list(self.own[0]), list(self.own[1])
        self.bytes_read = self.counters[1]
        errors: list[str] = []
        for conn in self.conns:
            try:
                status, a, b, extra = conn.recv()
            except EOFError:
                status, a, b, extra = ("error", "worker exited unexpectedly", [], _NO_EXTRA)
            if status != "ok":
                errors.append(str(a))
                continue
            cands_all.extend(a)
            missing_all.extend(b)
            self._merge(extra)
        for proc in self.procs:
            proc.join()
        if errors:
            raise GitError(f"history scan failed: {errors[0]}")
        return cands_all, missing_all

    def _merge(self, extra: tuple[Any, ...]) -> None:
        commit_times, hits, problems, too_large, nbytes, problem_objects = extra
        self.scanner.problem_objects.update(problem_objects)
        self.scanner.commit_times.update(commit_times)
        self.scanner.hits.update(hits)
        self.scanner.problems.extend(problems)
        self.scanner.too_large.extend(too_large)
        self.bytes_read += nbytes


def _progress_seconds() -> float:
    """Seconds between plain progress lines (PSGUARD_PROGRESS_SECONDS, default 10)."""
    try:
        return max(0.0, float(os.environ.get("PSGUARD_PROGRESS_SECONDS", "10")))
    except ValueError:
        return 10.0


class PlainProgress:
    """Progress for logs (stderr not a terminal: CI): one plain line every few seconds
    on a long scan, and a last one if any was printed; nothing on a short scan."""

    def __init__(self, par: ParallelScan) -> None:
        self.par = par
        self.every = _progress_seconds()
        self.started = time.perf_counter()
        self.next = self.started + self.every
        self.printed = False

    def tick(self, *, last: bool = False) -> None:
        now = time.perf_counter()
        if now < self.next and not last:
            return
        self.next = now + self.every
        objects, nbytes = self.par.done()
        total = self.par.total_objects
        pct = 100 * objects // total if total else 100
        try:
            print(f"psguard: scanning history: {objects:,}/{total:,} objects ({pct}%), "
                  f"{nbytes / 1e6:,.0f} MB read in {now - self.started:.0f} s",
                  file=sys.stderr, flush=True)
        except OSError:  # stderr went away (a closed pipe): the scan goes on, silently
            self.next = float("inf")
            return
        self.printed = True

    def close(self) -> None:
        if self.printed:
            self.tick(last=True)


def progress_bar(console: Any = None) -> Any:
    """The terminal's progress bar. It fits 80 columns with the largest totals (columns
    wider than the terminal are cut at the end, the total among them): short labels, and
    a bar that takes only the room left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as RichProgress

    return RichProgress(TextColumn("history"), BarColumn(bar_width=None),
                        MofNCompleteColumn(), TextColumn("{task.fields[read]}"),
                        TimeRemainingColumn(compact=True), transient=True, console=console)


def show_progress(par: ParallelScan, on_first_hit: Callable[[], None] | None) -> None:
    """A rich progress bar on stderr until the workers are done (terminals only)."""
    started = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task("history", total=par.total_objects or 1, read="")
        while not par.finished():
            objects, nbytes = par.done()
            rate = nbytes / max(time.perf_counter() - started, 1e-3)
            bar.update(task, completed=objects,
                       read=f"{nbytes / 1e6:,.0f} MB {rate / 1e6:,.0f} MB/s")
            if on_first_hit is not None and par.any_hits():
                on_first_hit()
                on_first_hit = None
            time.sleep(0.1)
        bar.update(task, completed=par.total_objects)
