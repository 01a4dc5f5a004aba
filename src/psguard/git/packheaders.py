"""Reading a pack's object headers: the listing's inner loop (packlist.py).

Each header says the object's type and size and, for a delta, where its base is.
The loop over all of them is compiled where it was built (git/compiled.py); its
Python twin gives the same answers. What does not parse raises ValueError (the
callers then ask git).
"""

from __future__ import annotations

import mmap
from array import array
from bisect import bisect_left
from typing import BinaryIO

from psguard.git import compiled

TYPES = {1: "commit", 2: "tree", 3: "blob", 4: "tag"}  # pack object types
_CHUNK = 4 << 20  # read at a time by the Python twin


def ofs_distance(buf: bytes, rel: int) -> tuple[int, int]:
    """An offset delta's distance back to its base (git's varint with the +1 per
    continuation byte), read at rel; and the position after it."""
    c = buf[rel]
    rel += 1
    dist = c & 0x7F
    while c & 0x80:
        c = buf[rel]
        rel += 1
        dist = ((dist + 1) << 7) | (c & 0x7F)
    return dist, rel


Headers = tuple[bytearray, "array[int]", "array[int]", list[int]]


def headers(fh: BinaryIO, sorted_offs: list[int], n: int) -> Headers:
    """Every object header of the pack, in offset order: each one's type (a delta's
    is its base's; 0 while unknown), content size (a delta's estimated as its base's:
    reading the delta's own header would mean inflating it; for balancing), the
    position of an offset delta's base (-1 otherwise), and the positions to resolve
    by id (reference deltas, deltas on them). Compiled where built (compiled.py)."""
    loop = compiled.pack_headers
    if loop is None:
        return python_headers(fh, sorted_offs, n)
    with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as pack:
        t, z, b, refs = loop(pack, array("Q", sorted_offs).tobytes())
    sizes, bases = array("Q"), array("i")
    sizes.frombytes(z)
    bases.frombytes(b)
    return bytearray(t), sizes, bases, refs


def python_headers(fh: BinaryIO, sorted_offs: list[int], n: int) -> Headers:
    """headers in Python."""
    types = bytearray(n)
    sizes = array("Q", bytes(8 * n))
    bases = array("i", [-1]) * n  # pack position of each delta's base
    unresolved: list[int] = []
    buf = b""
    base = 0
    for pos in range(n):
        off = sorted_offs[pos]
        rel = off - base
        if rel + 64 > len(buf):
            fh.seek(off)
            buf = fh.read(_CHUNK)
            base = off
            rel = 0
        c = buf[rel]
        t = (c >> 4) & 7
        size = c & 15
        shift = 4
        rel += 1
        while c & 0x80:
            c = buf[rel]
            rel += 1
            size |= (c & 0x7F) << shift
            shift += 7
        if t == 6:  # offset delta: the base is earlier in this pack
            dist, rel = ofs_distance(buf, rel)
            at = bisect_left(sorted_offs, off - dist)
            if at >= pos or sorted_offs[at] != off - dist:
                raise ValueError("delta base outside the pack")
            t = types[at]
            size = sizes[at]  # a delta's result is about its base's size
            bases[pos] = at
            if t == 0:
                unresolved.append(pos)
        elif t == 7:  # reference delta: resolved below, by id
            t = 0
            unresolved.append(pos)
        elif t not in TYPES:
            raise ValueError("unknown object type")
        types[pos] = t
        sizes[pos] = size
    return types, sizes, bases, unresolved
