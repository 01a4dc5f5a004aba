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
from pathlib import Path

from psguard.git import compiled
from psguard.git.config import config_entries
from psguard.git.packheaders import TYPES
from psguard.git.packlist import _IDS_AT, own_objects_only
from psguard.git.packread import (
    Entry,
    PackReader,
    Unsupported,
    delta_copy,
    delta_varint,
)

_CHAIN_MAX = 10000
_DROP_EVERY = 1024  # objects read between dropping the mapping's pages
_STACK_MAX = 64  # chain links kept on a walk's stack (git's default depth is 50)
_STACK_BYTES = 64 << 20  # about the most a stack holds: links of larger objects go


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

    def __init__(self, idx_path: Path, window: int, cache_bytes: int = 8 << 20) -> None:
        self.reader = PackReader(idx_path)
        r = self.reader
        order = sorted(range(r.n), key=r.offsets.__getitem__)
        self.order = array("I", order)
        self.offs = array("Q", (r.offsets[i] for i in order))
        self.n = r.n
        self.window = window
        self.quiet = bytearray(r.n)  # the caller's note a position (0 unknown)
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._cached = 0
        self._cache_max = cache_bytes
        self._walked = 0

    def close(self) -> None:
        self.reader.close()

    def positions(self, tag: int) -> dict[str, tuple[int, int]]:
        """Every object id of the pack with (tag, its position): built by C loops
        (hex of the whole id table, zip), not one Python step an object."""
        at = _IDS_AT
        hexed = self.reader.raw[at:at + 20 * self.n].hex()
        pos_of_index = array("I", bytes(4 * self.n))
        for pos, i in enumerate(self.order):
            pos_of_index[i] = pos
        return dict(zip([hexed[40 * i:40 * i + 40] for i in range(self.n)],
                        [(tag, p) for p in pos_of_index], strict=True))

    def pos_of(self, offset: int) -> int:
        pos = bisect_left(self.offs, offset)
        if pos >= self.n or self.offs[pos] != offset:
            raise Unsupported("delta base not at an object's offset")
        return pos

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
            if e.kind in TYPES:
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

    def rebuild(self, pos: int, stack: list[tuple[int, bytes]]
                ) -> tuple[bytes, int, bytes | None, list[tuple[int, int]] | None]:
        """The object at pos: (content, base position or -1, the base's content,
        the fresh ranges), walked in delta order (each delta right after its base,
        depth first: catfile.list_objects' order). `stack` holds the chain being
        walked, (position, content) from its root: a delta's base is on it, so every
        object is inflated once and rebuilt once from its base. Off the order (a
        slice's first object, a base left out of the listing) the base is rebuilt
        through the cache."""
        e = self.reader.entry(self.offs[pos])
        self._note_read()
        if e.kind in TYPES:
            data = self.reader.inflate(e)
            stack[:] = [(pos, data)]
            return data, -1, None, None
        base = self.pos_of(e.base_at)
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][0] == base:
                del stack[i + 1:]
                base_data = stack[i][1]
                break
        else:
            base_data = self.content(base)
            stack[:] = [(base, base_data)]
        data, fresh = apply_delta_fresh(base_data, self.reader.inflate(e), self.window)
        stack.append((pos, data))
        if len(stack) > _STACK_MAX or len(data) > _STACK_BYTES // _STACK_MAX:
            del stack[:-2]  # deeper bases, if needed again, come from the cache
        return data, base, base_data, fresh

    def _note_read(self) -> None:
        """Pages of the mapping count as this process's memory once touched (each
        read maps the pages around it too): drop them now and then (the page cache
        keeps them)."""
        self._walked += 1
        if self._walked >= _DROP_EVERY and hasattr(mmap, "MADV_DONTNEED"):
            self.reader.pack.madvise(mmap.MADV_DONTNEED)
            self._walked = 0

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
    as they come); window < 0: the ranges are not wanted. Compiled where it was built
    (about 30x faster), else python_apply_delta_fresh: the same results."""
    loop = compiled.apply_delta_fresh
    if loop is not None:
        try:
            return loop(base, delta, window)
        except ValueError as exc:
            raise Unsupported(str(exc)) from None
    return python_apply_delta_fresh(base, delta, window)


def python_apply_delta_fresh(base: bytes, delta: bytes, window: int
                             ) -> tuple[bytes, list[tuple[int, int]]]:
    """apply_delta_fresh in Python."""
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
            if pos + c > end:  # a slice would come back short: damage, not content
                raise Unsupported("delta cut short")
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
    return b"".join(out), _clipped(fresh, t)


def _clipped(fresh: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    if fresh:  # to the result
        fresh[0] = (max(0, fresh[0][0]), fresh[0][1])
        fresh[-1] = (fresh[-1][0], min(size, fresh[-1][1]))
    return fresh
