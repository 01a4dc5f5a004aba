"""The history scan's delta-aware reader: objects straight from the pack files.

The default where the repository allows (README, "Performance";
PSGUARD_HISTORY_READER=catfile asks for the other): it reads the repository's packs
itself (git/packwalk.py, its inner loop compiled) and, for a delta whose base was
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
from pathlib import Path
from typing import Any

from psguard.engine.deltagate import DeltaGate
from psguard.git import catfile
from psguard.git.packread import Unsupported
from psguard.git.packwalk import PackWalk, pack_indexes, unsupported_reason
from psguard.models import Candidate
from psguard.sources.objects import ObjectScanner
from psguard.sources.parallel import _NO_EXTRA, ParallelScan, scan_slice, slice_count

_ENV = "PSGUARD_HISTORY_READER"
_QUIET, _LOUD = 2, 1
_BY_DELTA = 2

Item = tuple[int, int, str, str]  # (pack, position, object id, type)


def history_reader(root: Path, git_dir: Path | None, hash_len: int,
                   todo: list[catfile.ObjectInfo], scanner: ObjectScanner,
                   jobs: int | None) -> ParallelScan:
    """The reader of a history scan: the pack reader where the repository allows
    (unless PSGUARD_HISTORY_READER=catfile), else cat-file readers. Falling back is
    said on stderr only when the pack reader was asked for by name: by default it is
    how those repositories are read (the findings are the same either way)."""
    choice = os.environ.get(_ENV, "").strip().lower() or "auto"
    if choice != "catfile" and git_dir is not None:
        try:
            reason = unsupported_reason(root, git_dir, hash_len)
            if reason is None:
                return PackScan(root, git_dir, todo, scanner, jobs)
        except (Unsupported, OSError) as exc:
            reason = str(exc)
        if choice == "pack":
            print(f"psguard: history read through git cat-file ({reason})",
                  file=sys.stderr)
    return ParallelScan(root, todo, scanner, workers=jobs, delta_order=True)


class _Slice:
    """One worker's share: its objects in delta order, each with where it lies (pack,
    position), plus objects for the cat-file reader (loose, or in no pack read here)."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.rest: list[catfile.ObjectInfo] = []
        self.skipped = 0  # deltas found quiet from what they brought alone


def _plan(walks: list[PackWalk], todo: list[catfile.ObjectInfo], parts: int
          ) -> list[_Slice]:
    """Contiguous slices of the delta-ordered listing, of about equal content size
    (catfile.shard, as the cat-file readers split it); an object in two packs is
    read from the first."""
    where: dict[str, tuple[int, int]] = {}
    for wi, walk in enumerate(reversed(walks)):  # the first pack's entries win
        where.update(walk.positions(len(walks) - 1 - wi))
    slices = []
    for objects in catfile.shard(todo, parts, backwards=False):
        part = _Slice()
        for o in objects:
            at = where.get(o.oid)
            if at is None:
                part.rest.append(o)
            else:
                part.items.append((at[0], at[1], o.oid, o.type))
        slices.append(part)
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
        self.plan = _plan(self.walks, objects, slice_count(self.total_bytes, workers))
        self.slices = []
        # the parent reads the first share itself (ParallelScan.run): one Python process
        # fewer, each holding the listing and the engine
        self.start_workers(len(self.plan), _worker_main, lambda i: (self, self.plan[i], i))
        self.plan = self.plan[:1]  # the workers have their shares: free the parent's copy

    def read_own(self) -> tuple[list[Candidate], list[str]]:
        return scan_pack_slice(self, self.plan[0], self.counters, 0)

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
    stacks: list[list[tuple[int, bytes]]] = [[] for _ in scan.walks]
    for wi, pos, oid, kind in part.items:
        walk = scan.walks[wi]
        try:
            data, base, base_data, fresh = walk.rebuild(pos, stacks[wi])
        except (Unsupported, IndexError, ValueError, OverflowError):
            stacks[wi].clear()
            failed.append(oid)  # damage reads as a short or odd delta: ask git
            continue
        n += 1
        nbytes += len(data)
        if n & 255 == 0:
            counters[3 * index] = n
            counters[3 * index + 1] = nbytes
        if kind == "blob":
            if scanner.max_size is not None and len(data) > scanner.max_size:
                failed.append(oid)  # read at its ends, as the cat-file path does
                continue
            quiet = _quiet(scan.gate, walk, pos, data, base, base_data, fresh)
            if quiet:
                part.skipped += quiet == _BY_DELTA
                continue
        elif not scanner.engine.may_match_bulk(data):
            continue
        found = scanner.scan(oid, kind, data)
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


def _quiet(gate: DeltaGate, walk: PackWalk, pos: int, data: bytes, base: int,
           base_data: bytes | None, fresh: list[tuple[int, int]] | None) -> int:
    """Whether the blob gives no candidate (_BY_DELTA: told from its delta, its base
    being quiet; 1: from its whole content; 0: it may)."""
    if base >= 0 and base_data is not None and fresh is not None:
        mark = walk.quiet[base]
        if not mark:
            mark = _QUIET if gate.quiet(base_data) else _LOUD
            walk.quiet[base] = mark
        if mark == _QUIET and gate.quiet_delta(data, fresh):
            walk.quiet[pos] = _QUIET
            return _BY_DELTA
    quiet = gate.quiet(data)
    walk.quiet[pos] = _QUIET if quiet else _LOUD
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
