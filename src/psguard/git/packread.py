"""Reading objects straight from a pack file: the first step toward delta-aware scans.

Not wired into any scan yet. Issue 15 item 4 (scan only what a delta inserts, plus a
key-length window around each splice) needs the pack's own view of each object: its
type, and for a delta the base and the copy and insert instructions. This module
gives that, and whole objects rebuilt from it, for version 2 indexes and packs of
SHA-1 or SHA-256 ids, offset and reference deltas within the pack. Anything else (a
base in another pack, an unknown type, damage) raises Unsupported: the caller reads
that object through `git cat-file` instead. tests/unit/test_git_packread.py checks
every object of real packs against `git cat-file --batch`.
"""

from __future__ import annotations

import mmap
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

from psguard.git.packheaders import TYPES, ofs_distance
from psguard.git.packlist import _IDS_AT, _read_idx, _Unsupported

_CACHE_BYTES = 32 << 20  # rebuilt bases kept for the next delta on them


_ONE_CALL_MAX = 8 << 20  # stored sizes inflated in one call; above, a piece at a time


class Unsupported(Exception):
    """This object (or pack) is not for this reader: ask git."""


class Entry(NamedTuple):
    kind: int  # 1-4 a whole object, 6 offset delta, 7 reference delta
    size: int  # the inflated size of what is stored (for a delta: the delta)
    data_at: int  # where the zlib stream starts
    base_at: int  # a delta's base (its offset in this pack), else -1


class Delta(NamedTuple):
    base_size: int
    size: int
    # (base offset, length) for a copy; (-1, 0) with the inserted bytes for an insert
    ops: list[tuple[int, int, bytes]]


def parse_delta(delta: bytes) -> Delta:
    """git's delta format: two sizes, then copy and insert instructions."""
    base_size, pos = delta_varint(delta, 0)
    size, pos = delta_varint(delta, pos)
    ops: list[tuple[int, int, bytes]] = []
    end = len(delta)
    while pos < end:
        c = delta[pos]
        pos += 1
        if c & 0x80:  # copy: offset and size bytes present per bit
            off, n, pos = delta_copy(delta, pos, c)
            ops.append((off, n, b""))
        elif c:  # insert c bytes
            ops.append((-1, 0, delta[pos:pos + c]))
            pos += c
        else:
            raise Unsupported("delta opcode 0")
    return Delta(base_size, size, ops)


def delta_varint(delta: bytes, pos: int) -> tuple[int, int]:
    """A delta header's size at pos, and the position after it."""
    value = shift = 0
    while True:
        c = delta[pos]
        pos += 1
        value |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return value, pos


def delta_copy(delta: bytes, pos: int, c: int) -> tuple[int, int, int]:
    """A copy instruction's base offset and size (bytes present per bit of c); unrolled:
    the pack walk calls it once a copy."""
    off = n = 0
    if c & 1:
        off = delta[pos]
        pos += 1
    if c & 2:
        off |= delta[pos] << 8
        pos += 1
    if c & 4:
        off |= delta[pos] << 16
        pos += 1
    if c & 8:
        off |= delta[pos] << 24
        pos += 1
    if c & 0x10:
        n = delta[pos]
        pos += 1
    if c & 0x20:
        n |= delta[pos] << 8
        pos += 1
    if c & 0x40:
        n |= delta[pos] << 16
        pos += 1
    return off, n or 0x10000, pos


def apply_delta(base: bytes, delta: bytes) -> bytes:
    d = parse_delta(delta)
    if d.base_size != len(base):
        raise Unsupported("delta base size mismatch")
    out = bytearray()
    for off, size, data in d.ops:
        if off < 0:
            out += data
        else:
            if off + size > len(base):
                raise Unsupported("delta copies past its base")
            out += base[off:off + size]
    if len(out) != d.size:
        raise Unsupported("delta result size mismatch")
    return bytes(out)


class PackReader:
    """One pack and its index, memory-mapped; objects by id or by offset."""

    def __init__(self, idx_path: Path, hash_len: int = 20) -> None:
        try:
            self.raw, offsets, self.n = _read_idx(idx_path, hash_len)
        except (_Unsupported, OSError, ValueError) as exc:
            raise Unsupported(str(exc)) from None
        self.hash_len = hash_len
        self.offsets = offsets
        self._fh = open(idx_path.with_suffix(".pack"), "rb")  # noqa: SIM115 - close()
        try:
            self.pack = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file
            self._fh.close()
            raise Unsupported("empty pack") from None
        if self.pack[:4] != b"PACK" or int.from_bytes(self.pack[4:8], "big") not in (2, 3):
            self.close()
            raise Unsupported("not a version 2 or 3 pack")
        self._cache: OrderedDict[int, tuple[int, bytes]] = OrderedDict()
        self._cached = 0

    def close(self) -> None:
        self.pack.close()
        self._fh.close()

    def __enter__(self) -> PackReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ids(self) -> list[str]:
        h = self.hash_len
        return [self.raw[_IDS_AT + i * h:_IDS_AT + (i + 1) * h].hex() for i in range(self.n)]

    def offset_of(self, oid: bytes) -> int:
        h = self.hash_len
        lo, hi = 0, self.n
        while lo < hi:  # the id table is sorted
            mid = (lo + hi) // 2
            if self.raw[_IDS_AT + mid * h:_IDS_AT + (mid + 1) * h] < oid:
                lo = mid + 1
            else:
                hi = mid
        if lo >= self.n or self.raw[_IDS_AT + lo * h:_IDS_AT + (lo + 1) * h] != oid:
            raise Unsupported("delta base outside the pack")
        return int(self.offsets[lo])

    def entry(self, at: int) -> Entry:
        """The object header at offset `at`."""
        buf = self.pack
        c = buf[at]
        kind = (c >> 4) & 7
        size = c & 15
        shift = 4
        pos = at + 1
        while c & 0x80:
            c = buf[pos]
            pos += 1
            size |= (c & 0x7F) << shift
            shift += 7
        base_at = -1
        if kind == 6:
            dist, pos = ofs_distance(buf, pos)  # type: ignore[arg-type]
            base_at = at - dist
        elif kind == 7:
            base_at = self.offset_of(bytes(buf[pos:pos + self.hash_len]))
            pos += self.hash_len
        elif kind not in TYPES:
            raise Unsupported("unknown object type")
        return Entry(kind, size, pos, base_at)

    def inflate(self, e: Entry) -> bytes:
        """The stored bytes of an entry (the object, or its delta)."""
        step = e.size + e.size // 64 + 1024  # zlib's worst case, about
        if e.size < _ONE_CALL_MAX:
            # One call on a view of the mapping (the pack walk inflates every object),
            # never more out than the header says plus one byte: a bomb stays small.
            d = zlib.decompressobj()
            try:
                data = d.decompress(memoryview(self.pack)[e.data_at:e.data_at + step],
                                    e.size + 1)
            except zlib.error:
                raise Unsupported("damaged object") from None
            if d.eof and len(data) == e.size:
                return data
        return self._inflate_stepwise(e)  # (it says what is wrong, if anything)

    def _inflate_stepwise(self, e: Entry) -> bytes:
        """inflate, holding at most what the header says (a damaged or hostile pack
        may say less than its stream holds)."""
        d = zlib.decompressobj()
        pos = e.data_at
        step = e.size + e.size // 64 + 1024
        out: list[bytes] = []
        got = 0
        try:
            while not d.eof:
                chunk = self.pack[pos:pos + step]
                if not chunk:
                    raise Unsupported("pack ends inside an object")
                pos += len(chunk)
                piece = d.decompress(chunk, e.size + 1 - got)
                out.append(piece)
                got += len(piece)
                if got > e.size:  # (and a limit of 0 next would mean none)
                    raise Unsupported("stored object longer than its header says")
                if d.unconsumed_tail:
                    pos -= len(d.unconsumed_tail)
        except zlib.error:
            raise Unsupported("damaged object") from None
        if got != e.size:
            raise Unsupported("stored object not the size its header says")
        return b"".join(out)

    def read_at(self, at: int) -> tuple[str, bytes]:
        """(type, content) of the object at offset `at`, deltas rebuilt."""
        chain: list[Entry] = []
        e = self.entry(at)
        base: tuple[int, bytes] | None = None
        while e.kind in (6, 7):
            chain.append(e)
            if e.base_at in self._cache:
                base = self._cache[e.base_at]
                self._cache.move_to_end(e.base_at)
                break
            if len(chain) > 10000:
                raise Unsupported("delta chain too long")
            e = self.entry(e.base_at)
        if base is None:
            base = (e.kind, self.inflate(e))
        kind, data = base
        for link in reversed(chain):
            self._remember(link.base_at, kind, data)
            data = apply_delta(data, self.inflate(link))
        return TYPES[kind], data

    def read(self, oid: str) -> tuple[str, bytes]:
        return self.read_at(self.offset_of(bytes.fromhex(oid)))

    def _remember(self, at: int, kind: int, data: bytes) -> None:
        if at in self._cache or len(data) > _CACHE_BYTES // 4:
            return
        self._cache[at] = (kind, data)
        self._cached += len(data)
        while self._cached > _CACHE_BYTES:
            _, (_, old) = self._cache.popitem(last=False)
            self._cached -= len(old)


def open_packs(git_dir: Path, hash_len: int = 20) -> list[PackReader]:
    """A reader for every pack of git_dir's own object store (Unsupported when it has
    alternates or a pack this cannot read)."""
    from psguard.git.packlist import own_objects_only

    if not own_objects_only(git_dir):
        raise Unsupported("alternates")
    readers = []
    for idx in sorted((git_dir / "objects" / "pack").glob("*.idx")):
        readers.append(PackReader(idx, hash_len))
    return readers


