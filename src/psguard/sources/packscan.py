"""The history scan's delta-aware reader: objects straight from the pack files.

Chosen by PSGUARD_HISTORY_READER (README, "Performance"): `catfile` (the default)
reads every object through `git cat-file --batch` (parallel.py); `pack` reads the
repository's packs in Python (git/packwalk.py) and, for a delta whose base was
*quiet* (engine/deltagate.py: nothing the engine's gate looks for), looks only at
the ranges the delta brought (its inserts and splices, widened by the longest
pattern): when they are quiet too, so is the object, and it is not scanned.
Everything else (whole objects, deltas on a base that was not quiet or that bring
something) is scanned whole, exactly as the cat-file path scans it, so the
findings are the same (tests/e2e/test_pack_history.py compares both).

Repositories the pack reader does not read (packwalk.unsupported_reason) go to the
cat-file path; objects it cannot read (loose objects, a base outside its pack, an
object above max_file_size) go to a cat-file reader after the pack walk.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from psguard.engine.deltagate import DeltaGate
from psguard.git import catfile
from psguard.git.packread import Unsupported
from psguard.git.packwalk import PackWalk, Walked, pack_indexes, unsupported_reason
from psguard.models import Candidate
from psguard.sources.objects import ObjectScanner
from psguard.sources.parallel import _NO_EXTRA, ParallelScan, scan_slice

_ENV = "PSGUARD_HISTORY_READER"
_PARALLEL_MIN_BYTES = 16 << 20
_QUIET, _LOUD = 2, 1
_BY_DELTA = 2

Unit = tuple[int, int, int]  # (pack, first position, end position)


def history_reader(root: Path, git_dir: Path | None, hash_len: int,
                   todo: list[catfile.ObjectInfo], scanner: ObjectScanner,
                   jobs: int | None) -> ParallelScan:
    """The reader of a history scan: the pack reader when PSGUARD_HISTORY_READER=pack
    and the repository allows, else cat-file readers."""
    choice = os.environ.get(_ENV, "catfile").strip().lower() or "catfile"
    if choice == "pack" and git_dir is not None:
        try:
            reason = unsupported_reason(root, git_dir, hash_len)
            if reason is None:
                return PackScan(root, git_dir, todo, scanner, jobs)
        except (Unsupported, OSError) as exc:
            reason = str(exc)
        print(f"psguard: history read through git cat-file ({reason})", file=sys.stderr)
    return ParallelScan(root, todo, scanner, workers=jobs, delta_order=True)


class _Slice:
    """One worker's share: ranges of pack positions and the ids it owns there (an
    object in two packs is read once), plus objects for the cat-file reader."""

    def __init__(self) -> None:
        self.units: list[Unit] = []
        self.owned: set[str] = set()
        self.rest: list[catfile.ObjectInfo] = []
        self.size = 0
        self.skipped = 0  # deltas found quiet from what they brought alone


def _plan(walks: list[PackWalk], todo: list[catfile.ObjectInfo], parts: int
          ) -> list[_Slice]:
    """Contiguous slices of pack positions of about equal content size."""
    info = {o.oid: o.size for o in todo}
    total = sum(info.values()) or 1
    slices = [_Slice()]
    claimed: set[str] = set()
    for wi, walk in enumerate(walks):
        lo = 0
        for pos in range(walk.n):
            oid = walk.oid(pos)
            size = info.get(oid)
            if size is None or oid in claimed:
                continue
            claimed.add(oid)
            cur = slices[-1]
            if cur.size >= total / parts and len(slices) < parts:
                cur.units.append((wi, lo, pos))
                lo = pos
                slices.append(_Slice())
                cur = slices[-1]
            cur.owned.add(oid)
            cur.size += size
        slices[-1].units.append((wi, lo, walk.n))
    slices[0].rest = [o for o in todo if o.oid not in claimed]  # loose objects
    return slices


class PackScan(ParallelScan):
    """ParallelScan's workers, each walking its slice of the packs."""

    def __init__(self, root: Path, git_dir: Path, objects: list[catfile.ObjectInfo],
                 scanner: ObjectScanner, workers: int | None = None) -> None:
        self.root = root
        self.scanner = scanner
        self.total_objects = len(objects)
        self.total_bytes = sum(o.size for o in objects)
        self.bytes_read = 0
        self.gate = DeltaGate(scanner.engine)
        self.walks = [PackWalk(idx, self.gate.window) for idx in pack_indexes(git_dir)]
        if workers is None:
            workers = max(1, min(2, os.cpu_count() or 1))
        big = self.total_bytes >= _PARALLEL_MIN_BYTES
        self.plan = _plan(self.walks, objects, workers if big else 1)
        self.slices = []
        self.procs: list[Any] = []
        self.conns: list[Any] = []
        self.counters: Any = None
        if len(self.plan) > 1:
            import multiprocessing

            ctx = multiprocessing.get_context("fork")
            # slot 0 is the parent's, which reads nothing here (ParallelScan's own slice)
            self.counters = ctx.Array("q", 3 * (len(self.plan) + 1), lock=False)
            for i, part in enumerate(self.plan, start=1):
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_worker_main, daemon=True,
                                   args=(self, part, i, send))
                proc.start()
                send.close()
                self.procs.append(proc)
                self.conns.append(recv)
            self.plan = []  # the workers have their shares: free the parent's copy

    def run(self, on_first_hit: Callable[[], None] | None = None, *,
            progress: bool = False) -> tuple[list[Candidate], list[str]]:
        """Every slice is a worker's here (the parent holds no reader): wait for them,
        with progress as ParallelScan.run shows it, then collect."""
        self.own = ([], [])
        if self.procs:
            self.follow(on_first_hit, progress)
        return self.collect()

    def collect(self) -> tuple[list[Candidate], list[str]]:
        if self.procs:
            try:
                return super().collect()
            finally:
                self.close()
        counters = [0, 0, 0]
        try:
            result = scan_pack_slice(self, self.plan[0], counters, 0)
        finally:
            self.close()
        self.bytes_read = counters[1]
        return result

    def close(self) -> None:
        for walk in self.walks:
            walk.close()


def scan_pack_slice(scan: PackScan, part: _Slice, counters: Any, index: int
                    ) -> tuple[list[Candidate], list[str]]:
    """Walk and scan one slice; then what the walk could not read, through cat-file."""
    scanner = scan.scanner
    cands: list[Candidate] = []
    failed: list[str] = []
    n = nbytes = 0
    for wi, lo, hi in part.units:
        walk = scan.walks[wi]
        for item in walk.walk(lo, hi, part.owned.__contains__, failed):
            n += 1
            nbytes += len(item.data)
            if n & 255 == 0:
                counters[3 * index] = n
                counters[3 * index + 1] = nbytes
            try:
                found = _scan_item(scan, walk, item, failed, part)
            except Unsupported:  # its base, rebuilt again after leaving the cache
                failed.append(item.oid)
                continue
            if found:
                cands.extend(found)
                counters[3 * index + 2] += 1
    rest = part.rest + [catfile.ObjectInfo(oid, "blob", 0) for oid in failed]
    own = [0, 0, 0]
    more, missing = scan_slice(scan.root, rest, scanner, own, 0)
    cands.extend(more)
    counters[3 * index] = n + own[0]
    counters[3 * index + 1] = nbytes + own[1]
    return cands, missing


def _scan_item(scan: PackScan, walk: PackWalk, item: Walked, failed: list[str],
               part: _Slice) -> list[Candidate]:
    scanner = scan.scanner
    if item.kind == "blob":
        if scanner.max_size is not None and len(item.data) > scanner.max_size:
            failed.append(item.oid)  # read at its ends, as the cat-file path does
            return []
        quiet = _quiet(scan.gate, walk, item)
        if quiet:
            part.skipped += quiet == _BY_DELTA
            return []
    elif not scanner.engine.may_match(item.data):
        return []
    return scanner.scan(item.oid, item.kind, item.data)


def _quiet(gate: DeltaGate, walk: PackWalk, item: Walked) -> int:
    """Whether the blob gives no candidate (_BY_DELTA: told from its delta, its base
    being quiet; 1: from its whole content; 0: it may)."""
    if item.base >= 0 and item.fresh is not None:
        mark = walk.quiet[item.base]
        if not mark:
            mark = _QUIET if gate.quiet(walk.content(item.base)) else _LOUD
            walk.quiet[item.base] = mark
        if mark == _QUIET and gate.quiet_delta(item.data, item.fresh):
            walk.quiet[item.pos] = _QUIET
            return _BY_DELTA
    quiet = gate.quiet(item.data)
    walk.quiet[item.pos] = _QUIET if quiet else _LOUD
    return int(quiet)


def _worker_main(scan: PackScan, part: _Slice, index: int, conn: Any) -> None:
    scanner = scan.scanner
    try:
        cands, missing = scan_pack_slice(scan, part, scan.counters, index)
        conn.send(("ok", cands, missing, (scanner.commit_times, scanner.hits,
                                          scanner.problems, scanner.too_large,
                                          scan.counters[3 * index + 1],
                                          scanner.problem_objects)))
    except BaseException as exc:  # reported by the parent; never includes scanned bytes
        conn.send(("error", f"{type(exc).__name__}: {exc}", [], _NO_EXTRA))
    finally:
        conn.close()
