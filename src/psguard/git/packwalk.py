"""Walking pack files in offset order for the delta-aware history scan (issue 15).

A pack stores most of a history as deltas: copy instructions (a range of the base)
and insert instructions (new bytes). `PackWalk.walk` rebuilds each wanted object
from the pack (packread.py's parsing; a bounded cache of rebuilt bases) and, for a
delta, also says which ranges of the result are new: every inserted range and every
splice where a copy does not continue the base right where the previous one ended,
each widened by `window` bytes on both sides. Any run of at most window + 1 bytes
of the result lies either inside one stretch copied from the base, so it occurs in
the base as it is, or inside one of those ranges. The caller (sources/packscan.py)
uses that to skip scanning a delta whose base had nothing of interest.

Which repositories this reads is `unsupported_reason`'s question: anything unusual
goes to `git cat-file` instead (the caller's fallback), never half read.
"""

from __future__ import annotations

import mmap
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from psguard.git.config import config_entries
from psguard.git.packlist import _IDS_AT, own_objects_only
from psguard.git.packread import (
    _TYPES,
    Entry,
    PackReader,
    Unsupported,
    delta_copy,
    delta_varint,
)

_TREE = 2
_CHAIN_MAX = 10000
_DROP_PAGES = 4 << 20  # pack bytes walked between dropping the mapping's pages


class Walked(NamedTuple):
    pos: int  # in offset order
    oid: str
    kind: str
    data: bytes
    base: int  # the delta's base (its position), -1 for a whole object
    fresh: list[tuple[int, int]] | None  # ranges of data not copied as is (deltas)


def unsupported_reason(root: Path, git_dir: Path, hash_len: int) -> str | None:
    """Why this repository's objects are not read from its packs here, or None.

    SHA-256 repositories, alternates, partial clones (objects may be missing from
    the packs and promised elsewhere), grafts and repositories without packs go to
    `git cat-file`, which reads every layout git supports."""
    if hash_len != 20:
        return "SHA-256 object format"
    if not own_objects_only(git_dir):
        return "alternates"
    if (git_dir / "info" / "grafts").exists():
        return "grafts"
    if not any((git_dir / "objects" / "pack").glob("*.idx")):
        return "no pack files"
    partial = config_entries(root, r"^(extensions\.partialclone|remote\..*\.promisor)$")
    if any(value not in ("false", "0", "no", "off") for _, value in partial):
        return "partial clone"
    return None


def pack_indexes(git_dir: Path) -> list[Path]:
    return sorted((git_dir / "objects" / "pack").glob("*.idx"))


class PackWalk:
    """One pack: its objects in offset order, rebuilt with a bounded base cache."""

    def __init__(self, idx_path: Path, window: int, cache_bytes: int = 16 << 20) -> None:
        self.reader = PackReader(idx_path)
        r = self.reader
        order = sorted(range(r.n), key=r.offsets.__getitem__)
        self.order = array("I", order)
        self.offs = array("Q", (r.offsets[i] for i in order))
        self.n = r.n
        self.window = window
        self.kinds = bytearray(r.n)  # resolved object type a position, 0 unknown
        self.quiet = bytearray(r.n)  # the caller's note a position (0 unknown)
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._cached = 0
        self._cache_max = cache_bytes
        self._walked = 0

    def close(self) -> None:
        self.reader.close()

    def oid(self, pos: int) -> str:
        at = _IDS_AT + self.order[pos] * 20
        return self.reader.raw[at:at + 20].hex()

    def pos_of(self, offset: int) -> int:
        pos = bisect_left(self.offs, offset)
        if pos >= self.n or self.offs[pos] != offset:
            raise Unsupported("delta base not at an object's offset")
        return pos

    def kind_of(self, pos: int) -> int:
        """The type of the object at pos (a delta's is its chain's root)."""
        chain = []
        p = pos
        while not self.kinds[p]:
            e = self.reader.entry(self.offs[p])
            if e.kind in _TYPES:
                self.kinds[p] = e.kind
                break
            chain.append(p)
            if len(chain) > _CHAIN_MAX:
                raise Unsupported("delta chain too long")
            p = self.pos_of(e.base_at)
        for q in chain:
            self.kinds[q] = self.kinds[p]
        return self.kinds[p]

    def content(self, pos: int) -> bytes:
        """The object at pos, rebuilt (through the cache)."""
        chain: list[tuple[int, Entry]] = []
        p = pos
        while True:
            hit = self._cache.get(p)
            if hit is not None:
                self._cache.move_to_end(p)
                data = hit
                break
            e = self.reader.entry(self.offs[p])
            if e.kind in _TYPES:
                data = self.reader.inflate(e)
                self._remember(p, data)
                break
            chain.append((p, e))
            if len(chain) > _CHAIN_MAX:
                raise Unsupported("delta chain too long")
            p = self.pos_of(e.base_at)
        for q, e in reversed(chain):
            data = apply_delta_fresh(data, self.reader.inflate(e), -1)[0]
            self._remember(q, data)
        return data

    def walk(self, lo: int, hi: int, wanted: Callable[[str], bool],
             failed: list[str]) -> Iterator[Walked]:
        """The wanted objects (by id) among positions lo..hi, trees never; the ids of
        those this cannot read (a base outside the pack, damage) go to failed."""
        for pos in range(lo, hi):
            oid = self.oid(pos)
            if not wanted(oid):
                continue
            try:
                item = self._one(pos, oid)
            except (Unsupported, IndexError, ValueError, OverflowError):
                failed.append(oid)  # damage reads as a short or odd delta: ask git
                continue
            if item is not None:
                yield item
            self._drop_pages(pos)

    def _one(self, pos: int, oid: str) -> Walked | None:
        kind = self.kind_of(pos)
        if kind == _TREE:
            return None
        e = self.reader.entry(self.offs[pos])
        if e.kind in _TYPES:
            data = self.content(pos)
            return Walked(pos, oid, _TYPES[kind], data, -1, None)
        base = self.pos_of(e.base_at)
        data, fresh = apply_delta_fresh(self.content(base), self.reader.inflate(e),
                                        self.window)
        self._remember(pos, data)
        return Walked(pos, oid, _TYPES[kind], data, base, fresh)

    def _drop_pages(self, pos: int) -> None:
        """Pages of the mapping count as this process's memory once touched: drop
        them now and then (the page cache keeps them)."""
        at = self.offs[pos]
        if at - self._walked >= _DROP_PAGES and hasattr(mmap, "MADV_DONTNEED"):
            self.reader.pack.madvise(mmap.MADV_DONTNEED)
            self._walked = at

    def _remember(self, pos: int, data: bytes) -> None:
        if pos in self._cache or len(data) > self._cache_max // 4:
            return
        self._cache[pos] = data
        self._cached += len(data)
        while self._cached > self._cache_max:
            _, old = self._cache.popitem(last=False)
            self._cached -= len(old)


def apply_delta_fresh(base: bytes, delta: bytes, window: int
                      ) -> tuple[bytes, list[tuple[int, int]]]:
    """(the delta applied to base, the result's fresh ranges widened by window, merged
    as they come); window < 0: the ranges are not wanted."""
    base_size, pos = delta_varint(delta, 0)
    size, pos = delta_varint(delta, pos)
    if base_size != len(base):
        raise Unsupported("delta base size mismatch")
    out: list[bytes] = []
    append = out.append
    fresh: list[tuple[int, int]] = []
    fa = fb = -1  # the fresh range being grown
    w = window
    t = 0
    copied_to = -1  # where in the base the previous copy ended (-1: not a copy)
    end = len(delta)
    while pos < end:
        c = delta[pos]
        pos += 1
        if c & 0x80:
            off, n, pos = delta_copy(delta, pos, c)
            if off + n > base_size:
                raise Unsupported("delta copies past its base")
            append(base[off:off + n])
            if t and off != copied_to and w >= 0:  # a splice: new neighbours meet
                if t - w <= fb:
                    fb = t + w
                else:
                    if fa >= 0 or fb >= 0:
                        fresh.append((fa, fb))
                    fa, fb = t - w, t + w
            copied_to = off + n
            t += n
        elif c:
            append(delta[pos:pos + c])
            pos += c
            if w >= 0:
                if t - w <= fb:
                    fb = max(fb, t + c + w)
                else:
                    if fa >= 0 or fb >= 0:
                        fresh.append((fa, fb))
                    fa, fb = t - w, t + c + w
            copied_to = -1
            t += c
        else:
            raise Unsupported("delta opcode 0")
    if t != size:
        raise Unsupported("delta result size mismatch")
    if fb >= 0:
        fresh.append((fa, fb))
    if fresh:  # clip to the result
        fresh[0] = (max(0, fresh[0][0]), fresh[0][1])
        fresh[-1] = (fresh[-1][0], min(t, fresh[-1][1]))
    return b"".join(out), fresh
