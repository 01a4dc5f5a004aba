"""Base64 and base64url runs: padded or not, wrapped at a fixed width or not, and
whole base64 files. (Named b64 so as not to shadow the standard library's base64.)

The gate: base64 of `ps-` has only three possible alignments, whose fully
determined characters are `cHMt`, `BzL` and `wcy` (identical in the URL-safe
alphabet). Those needles, and the base64 of the archive magics, are what the
engine's gates look for; text without any of them costs no decoding. The encoded
prefixes are short and occur by chance (in identifiers, in base64 hashes), so each
counts only where a key's body can follow it (KeyCheck): on the gates' paths and for
the windows decoded here alike.

Two ways in, both reported at the encoded text in the outer content:
- whole blocks: a file (or block) of wrapped base64 lines starting the data, and
  any run that begins with the base64 of an archive's magic bytes, decoded whole
  up to `DecodeLimits.max_whole_run` characters;
- windows: `DecodeLimits.window` characters either side of each needle, decoded
  at the alignment the needle fixes.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator

from psguard.decoders.base import Budget, Decoded, skip_space
from psguard.decoders.base64_blocks import (
    B64_SET,
    Block,
    b64_run,
    collect_block,
    collect_wrapped,
    wrapped_block_at,
)
from psguard.models import Origin, Record

_TO_STD = bytes.maketrans(b"-_", b"+/")
# base64 of the archive magics (zip, gzip, xz, bzip2), and of a registry config's
# `{"auth` (a Kubernetes Secret's .dockerconfigjson, which holds base64 `user:key` pairs
# in its turn): a run that starts with one is decoded whole.
B64_MAGICS = (b"UEsDB", b"H4sI", b"/Td6WFo", b"QlpoO", b"eyJhdXRo")
LABEL = "base64"
_CLASS = b"[A-Za-z0-9+/_-]"
# After a second-layer needle, the layer below goes on in base64 (wrapped, perhaps):
# at least this many of its characters, from this alphabet.
_INNER_RUN = (12, b"+-/0123456789=ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz\r\n")


def b64_needles(token: bytes) -> list[tuple[bytes, int]]:
    """(needle, position of the needle in its 4-character group) for each alignment.

    A needle is the run of base64 characters that are fully determined by `token`
    when it starts 0, 1 or 2 bytes into a 3-byte group.
    """
    return [(needle, first % 4) for needle, first, _ in _aligned(token)]


def _aligned(token: bytes) -> list[tuple[bytes, int, int]]:
    """(needle, index of its first character, lead) for each alignment: `lead` bytes
    of the 3-byte group come before the token; characters counted from the group's
    start."""
    needles = []
    for lead in range(3):
        # binascii, not the base64 module (not imported by every hook run)
        enc = binascii.b2a_base64(b"\0" * lead + token + b"\0\0", newline=False)
        first = -(-8 * lead // 6)  # first char whose 6 bits all come from the token
        last = (8 * (lead + len(token))) // 6  # one past the last such char
        needle = enc[first:last]
        if len(needle) >= 3:
            needles.append((needle, first, lead))
            urlsafe = needle.translate(bytes.maketrans(b"+/", b"-_"))
            if urlsafe != needle:
                needles.append((urlsafe, first, lead))
    return needles


class KeyCheck(Record):
    """Can the needle at a position start an encoded key? The key's body follows the
    prefix: `count` characters from `skip` past the needle's start (whole groups, so
    they decode alone) must be base64 decoding to body bytes only. A run that stops
    short at a line end may go on on the next line (wrapped base64): it may."""

    __slots__ = ("skip", "count", "body", "pattern", "span")

    def __init__(self, needle: bytes, token: bytes, first: int, lead: int, min_body: int,
                 body: bytes) -> None:
        start = lead + len(token)  # the body's first byte in the aligned bytes
        group = -(-start // 3)  # the first group of body bytes only
        self.skip = 4 * group - first
        self.count = 4 * max(0, (start + min_body - 3 * group) // 3)
        self.body = body  # body bytes, deleted to see what else the groups hold
        # Where it may say yes (fastgate.py): the needle, then as many base64
        # characters as it decodes, or fewer and a line end.
        lit = b"".join(b"\\x%02x" % b for b in needle)
        after = self.skip + self.count - len(needle)
        self.pattern = lit + (b"(?:%s{%d}|%s{0,%d}[\\r\\n])"
                              % (_CLASS, after, _CLASS, after - 1) if self.count else b"")
        self.span = max(len(needle), self.skip + self.count)  # the longest match

    def __call__(self, data: bytes, pos: int) -> bool:
        if not self.count:
            return True
        begin = pos + self.skip
        end = begin + self.count
        run = b64_run().match(data, pos, end)
        run_end = run.end() if run else pos
        if run_end < end:
            return data[run_end:run_end + 1] in (b"\n", b"\r")
        groups = binascii.a2b_base64(data[begin:end].translate(_TO_STD))
        return not groups.translate(None, self.body)


class B64Map:
    """Decoded offset → encoded character → outer offset."""

    def __init__(self, block: Block, align: int) -> None:
        self.block = block
        self.align = align

    def __call__(self, off: int) -> int:
        return self.block.outer_offset(self.align + off * 4 // 3)


class Base64Decoder:
    """Whole base64 blocks, then windows around each encoded prefix."""

    exclusive = False
    anywhere: tuple[bytes, ...] = ()  # its trigger looks at the start only

    def __init__(self, prefixes: tuple[bytes, ...],
                 bodies: dict[bytes, tuple[int, bytes]] | None = None) -> None:
        """bodies: for each prefix, the fewest body bytes a key has and the bytes a
        body may hold (the rules'); without, every needle's window is decoded."""
        # The prefixes, their UTF-16 form (PowerShell's -EncodedCommand is base64 of
        # UTF-16LE), and base64 of the prefixes' own needles: two layers of base64 (a
        # config file base64-encoded into a Kubernetes Secret that a CI variable holds
        # in base64 again). A window around a second-layer needle decodes to text
        # holding a first-layer needle, which the next level decodes in its turn.
        # The needles of the prefixes and of their base64 are checked (KeyCheck reads a
        # key's body, or the base64 of one, after them); the UTF-16 ones count wherever
        # they occur.
        needles: dict[bytes, int] = {}
        checks: dict[bytes, KeyCheck | None] = {}
        for t in prefixes:
            shape = (bodies or {}).get(t)
            for needle, first, lead in _aligned(t):
                needles.setdefault(needle, first % 4)
                check = KeyCheck(needle, t, first, lead, *shape) if shape else None
                # a needle two prefixes share is checked for neither (never wrongly shut)
                checks[needle] = None if needle in checks else check
                for outer, outer_first, outer_lead in _aligned(needle):
                    needles.setdefault(outer, outer_first % 4)
                    # the layer below is base64 too: what follows its needle is base64
                    inner = (KeyCheck(outer, needle, outer_first, outer_lead, *_INNER_RUN)
                             if shape else None)
                    checks[outer] = None if outer in checks else inner
            for needle, phase in b64_needles(b"\0".join(bytes([c]) for c in t)):
                needles.setdefault(needle, phase)
                checks[needle] = None
        self.phased = tuple(needles.items())  # (needle, its position in its group)
        self.needles = tuple(needles) + B64_MAGICS
        # The encoded prefixes: 3-4 characters that occur by chance in text and in
        # base64 data (package-lock.json's hashes). Each counts only where a key's
        # body can follow it (KeyCheck), on the gates' paths and here alike.
        self.checks: dict[bytes, KeyCheck] = {
            n: c for n, c in checks.items() if c is not None and c.count}

    def triggered(self, data: bytes, start: int) -> bool:
        if data.startswith(B64_MAGICS, start):
            return True
        return wrapped_block_at(data, start) is not None

    def __call__(self, data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
        done: list[tuple[int, int]] = []  # outer spans already decoded whole
        yield from self._whole_blocks(data, origin, budget, done)
        yield from self._windows(data, origin, budget, done)

    def _whole_blocks(self, data: bytes, origin: Origin, budget: Budget,
                      done: list[tuple[int, int]]) -> Iterator[Decoded]:
        """Each whole block decoded at once; their outer spans are added to `done`."""
        limit = budget.limits.max_whole_run
        for start in _whole_block_starts(data, budget.needles_in(data, B64_MAGICS)):
            if _covered(done, start):
                continue
            width = wrapped_block_at(data, start)
            if width is not None and width <= 4096:
                block = collect_wrapped(data, start, width, limit)
            else:
                block = collect_block(data, start, None, limit)
            if block.cut:
                budget.problem(origin, f"base64 block at offset {start} is longer than "
                                       f"{limit} characters; only "
                                       "windows around key-like text were decoded")
                continue
            if len(block.text) * 3 // 4 > budget.remaining:
                budget.problem(origin, f"base64 block at offset {start} expands beyond the "
                                       "decode budget; not decoded whole")
                continue
            dec = decode_block(block, 0, budget)
            if dec is not None:
                done.append((block.outer_start, block.outer_end))
                yield dec

    def _windows(self, data: bytes, origin: Origin, budget: Budget,
                 done: list[tuple[int, int]]) -> Iterator[Decoded]:
        """A window around each hit of an encoded prefix outside the spans in `done`."""
        window = budget.limits.window
        prev: tuple[Block, int] | None = None
        for pos, phase in self._hits(data, done, budget):
            if prev is not None and pos < prev[0].outer_end - 1024:
                at = prev[0].joined_offset(pos)
                if (at - phase) % 4 == prev[1]:
                    continue  # decoded already, at this alignment, by the previous window
            block = collect_block(data, pos, window, window)
            if len(block.text) < 16:
                continue
            at = block.joined_offset(pos)
            # Decode from a group boundary: the needle fixes the alignment.
            align = (at - phase) % 4
            if len(block.text) * 3 // 4 > budget.remaining:
                budget.problem(origin, "decode budget exhausted; remaining base64 not decoded")
                return
            dec = decode_block(block, align, budget)
            if dec is not None:
                prev = (block, align)
                yield dec

    def _hits(self, data: bytes, done: list[tuple[int, int]], budget: Budget
              ) -> list[tuple[int, int]]:
        """(offset, phase) of every needle outside `done`, in order."""
        hits: list[tuple[int, int]] = []
        wanted = set(budget.needles_in(data, [n for n, _ in self.phased]))
        for needle, phase in self.phased:
            if needle not in wanted:
                continue
            check = self.checks.get(needle)
            pos = data.find(needle)
            while pos >= 0:
                if not _covered(done, pos) and (check is None or check(data, pos)):
                    hits.append((pos, phase))
                pos = data.find(needle, pos + 1)
        hits.sort()
        return hits


def _covered(done: list[tuple[int, int]], pos: int) -> bool:
    return any(lo <= pos < hi for lo, hi in done)


def _whole_block_starts(data: bytes, magics: list[bytes]) -> list[int]:
    """Where whole blocks start: wrapped base64 lines starting the data, and runs
    that begin with the base64 of an archive's magic bytes."""
    starts = []
    first = skip_space(data, 0)
    if wrapped_block_at(data, first) is not None:
        starts.append(first)
    for magic in magics:
        pos = data.find(magic)
        while pos >= 0:
            if pos == 0 or data[pos - 1] not in B64_SET:
                starts.append(pos)
            pos = data.find(magic, pos + 1)
    return sorted(set(starts))


def decode_block(block: Block, align: int, budget: Budget) -> Decoded | None:
    """The block's text decoded from `align` on (None when too short, past the budget
    or not base64 after all)."""
    text = block.text[align:]
    text = text[: len(text) - len(text) % 4 if len(text) % 4 == 1 else len(text)]
    if len(text) < 16:
        return None
    text = text.translate(_TO_STD)
    text += b"=" * (-len(text) % 4)
    if len(text) * 3 // 4 > budget.remaining:
        return None
    try:
        out = binascii.a2b_base64(text)
    except binascii.Error:
        return None
    budget.expanded += len(out)
    return Decoded(out, LABEL, B64Map(block, align), lines_from_parent=True, cut=block.cut)
