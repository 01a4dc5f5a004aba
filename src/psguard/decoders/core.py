"""Decoders: find keys hidden in encoded, packed and awkward content.

After the plain scan of a chunk, the engine asks `Decoder.scan` to look for content
that can hold an encoded key and to scan what it decodes, recursively:

- base64 and base64url runs (padded or not, wrapped at a fixed width or not, and
  whole base64 files);
- UTF-16 text, little or big endian, with or without a byte-order mark;
- zip-family archives (zip, jar, whl, …), gzip streams and tar archives;
- JSON string escapes (`\\u002d`, `\\/`): keys written by serializers that escape.

Decoding must not slow the common case. Every decoder is gated by a few
`bytes.find` calls for byte strings that the encoded form of a rule prefix *must*
contain: base64 of `ps-` has only three possible alignments, whose fully
determined characters are `cHMt`, `BzL` and `wcy` (identical in the URL-safe
alphabet); UTF-16 of `ps-` always contains `p\\0s\\0-`; archives start with their
magic bytes. Text without any of these costs a handful of `find` calls.

Decoded content keeps the outer origin; `Origin.decoded_from` says how it was
decoded (`base64`, `utf-16le`, `zip:dir/file.txt`, `gzip`, `tar:a/b`,
`json-escape`), composed with ` > ` when nested (`zip:app.jar > base64`). Line and
column point at the encoded text in the outer content when that is meaningful
(base64 runs, JSON escapes), at the text line for UTF-16, and into the member for
archive members.

Limits bound the work for hostile input: nesting depth, the number of archive
members, and the total number of bytes decoding may produce for one chunk. Hitting
a limit is reported as a `not-scanned` problem and never costs more than the limit.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import io
import itertools
import re
import string
import zlib
from collections.abc import Callable, Iterator

from psguard.models import Candidate, FrozenRecord, Origin, Problem, Record
from psguard.rules.model import RuleSet

_B64_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
_B64_SET = frozenset(_B64_CHARS)
_B64_RUN = re.compile(rb"[A-Za-z0-9+/_-]*")
_B64_LINE = re.compile(rb"[ \t]*([A-Za-z0-9+/_-]+)(=*)\r?\n")
_TO_STD = bytes.maketrans(b"-_", b"+/")

ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b\x08"
# base64 of the archive magics: a run that starts with one is decoded whole.
_B64_MAGICS = (b"UEsDB", b"H4sI")
_GATE_SLICE = 8 * 1024 * 1024  # bytes translated at a time by the collapsed gate
_JSON_ESCAPE = re.compile(rb'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))')
_JSON_SIMPLE = {b'"': '"', b"\\": "\\", b"/": "/", b"b": " ", b"f": " ", b"n": " ",
                b"r": " ", b"t": " "}


class DecodeLimits(FrozenRecord):
    """Bounds on decoding one chunk (all nesting levels together)."""

    __slots__ = ("max_depth", "max_members", "max_expanded", "max_whole_run", "window")

    def __init__(self, *, max_depth: int = 4, max_members: int = 2000,
                 max_expanded: int = 64 * 1024 * 1024, max_whole_run: int = 16 * 1024 * 1024,
                 window: int = 2048) -> None:
        self.max_depth = max_depth  # nested decodings, e.g. zip > jar member > base64 > gzip
        self.max_members = max_members  # archive members read, in total
        self.max_expanded = max_expanded  # bytes decoding may produce, in total
        self.max_whole_run = max_whole_run  # base64 decoded whole (archives, wrapped files)
        self.window = window  # encoded characters either side of a base64 hit


class Budget(Record):
    """What is left of the limits while one chunk is decoded."""

    __slots__ = ("limits", "expanded", "members", "problems")

    def __init__(self, limits: DecodeLimits) -> None:
        self.limits = limits
        self.expanded = 0
        self.members = 0
        self.problems: list[Problem] = []

    @property
    def remaining(self) -> int:
        return max(0, self.limits.max_expanded - self.expanded)

    def problem(self, origin: Origin, detail: str) -> None:
        target = origin.path or origin.kind
        if origin.decoded_from:
            target = f"{target} ({origin.decoded_from})"
        self.problems.append(Problem("not-scanned", target, detail, incomplete=False))


class Decoded(Record):
    """Content produced by one decoder from its parent's bytes."""

    __slots__ = ("data", "label", "to_parent", "lines_from_parent", "cut")

    def __init__(self, data: bytes, label: str, to_parent: Callable[[int], int] | None = None,
                 *, lines_from_parent: bool = False, cut: bool = False) -> None:
        self.data = data
        self.label = label
        # Maps an offset in `data` to an offset in the parent; None for archive members,
        # which have their own coordinates.
        self.to_parent = to_parent
        # True: line and column are computed in the parent at the mapped offset.
        self.lines_from_parent = lines_from_parent
        # True: the content was cut short (a window); a token touching its end may go on.
        self.cut = cut


def _b64_needles(token: bytes) -> list[tuple[bytes, int]]:
    """(needle, position of the needle in its 4-character group) for each alignment.

    A needle is the run of base64 characters that are fully determined by `token`
    when it starts 0, 1 or 2 bytes into a 3-byte group.
    """
    needles = []
    for lead in range(3):
        enc = base64.b64encode(b"\0" * lead + token + b"\0\0")
        first = -(-8 * lead // 6)  # first char whose 6 bits all come from the token
        last = (8 * (lead + len(token))) // 6  # one past the last such char
        needle = enc[first:last]
        if len(needle) >= 3:
            needles.append((needle, first % 4))
            urlsafe = needle.translate(bytes.maketrans(b"+/", b"-_"))
            if urlsafe != needle:
                needles.append((urlsafe, first % 4))
    return needles


def _utf16_forms(prefix: bytes) -> bytes:
    """`p\\0s\\0-`: a substring of the prefix in both UTF-16LE and UTF-16BE."""
    return b"\0".join(bytes([c]) for c in prefix)


class Decoder:
    """Gates, decoders and the recursive scan. Plain data only: picklable."""

    def __init__(self, ruleset: RuleSet, limits: DecodeLimits | None = None) -> None:
        self.limits = limits or DecodeLimits()
        self.prefixes = ruleset.prefixes
        self.utf16 = tuple(_utf16_forms(p) for p in self.prefixes)
        # Only the prefixes themselves: each needle is a full pass over every chunk,
        # so base64 of UTF-16 text is found only inside base64 decoded whole.
        needles: dict[bytes, int] = {}
        for t in self.prefixes:
            for needle, phase in _b64_needles(t):
                needles.setdefault(needle, phase)
        self.b64_needles = tuple(needles.items())
        encoded = [n for n, _ in self.b64_needles] + list(_B64_MAGICS)
        self.gate = _CollapsedGate(encoded)
        # The engine's prefilter asks about plain prefixes too: one translate for all
        # (a `find` of the prefix alone costs about as much as the whole gate).
        self.any_gate = _CollapsedGate(list(self.prefixes) + encoded)

    def may_match(self, data: bytes) -> bool:
        """False when nothing in data can be decoded into a key (the cheap gate)."""
        return len(data) >= 8 and (_archive_kind(data) is not None
                                   or self._has_encoded_prefix(data))

    def may_match_any(self, data: bytes) -> bool:
        """The engine's prefilter with decoding on: False when neither a rule prefix
        nor anything decodable into a key can be in data."""
        if self.any_gate.hits(data):
            return True
        return len(data) >= 8 and (_archive_kind(data) is not None
                                   or self._cheap_triggers(data))

    # -- the recursive scan -------------------------------------------------------

    def scan(self, plain: Callable[[bytes, Origin], list[Candidate]], data: bytes,
             origin: Origin, problems: list[Problem] | None = None) -> list[Candidate]:
        if not self.may_match(data):
            # The common case: nothing to decode (plain's own prefilter finds the rest).
            return plain(data, origin)
        budget = Budget(self.limits)
        found = self._scan(plain, data, origin, 0, budget)
        if problems is not None:
            problems.extend(budget.problems)
        return _dedup([c for c, _ in found])

    def _scan(self, plain: Callable[[bytes, Origin], list[Candidate]], data: bytes,
              origin: Origin, depth: int, budget: Budget) -> list[tuple[Candidate, bool]]:
        """Candidates, each with True when its position is inside an archive member
        (its own coordinates, which outer levels must not remap)."""
        found = [(c, False) for c in plain(data, origin)]
        binary: bool | None = None
        decoded: list[tuple[Candidate, bool]] = []
        for dec in self.decode(data, origin, depth, budget):
            label = dec.label
            if origin.decoded_from:
                label = f"{origin.decoded_from} > {label}"
            inner = self._scan(plain, dec.data, origin.replace(decoded_from=label),
                               depth + 1, budget)
            if inner and dec.lines_from_parent and binary is None:
                binary = b"\0" in data[:8000]
            for c, anchored in inner:
                if dec.cut and not anchored and c.offset + len(c.secret) >= len(dec.data) - 3:
                    continue  # may go on past the window: its own window decodes it whole
                if anchored or dec.to_parent is None:
                    decoded.append((c, True))
                else:
                    decoded.append((_relocate(c, dec, data, bool(binary)), False))
        if decoded and _archive_kind(data) is not None:
            # Stored (uncompressed) members also match in the archive's own bytes;
            # the member is the better location.
            in_members = {c.secret for c, _ in decoded}
            found = [(c, a) for c, a in found if c.secret not in in_members]
        return found + decoded

    # -- which decoders apply -----------------------------------------------------

    def decode(self, data: bytes, origin: Origin, depth: int, budget: Budget
               ) -> Iterator[Decoded]:
        """Everything worth decoding in `data`, one level deep, within the budget."""
        if len(data) < 8:
            return
        archive = _archive_kind(data)
        if archive is None and not self._has_encoded_prefix(data):
            return  # the common case: a few finds and out
        if depth >= self.limits.max_depth:
            budget.problem(origin, f"nested encodings deeper than {self.limits.max_depth} "
                                   "levels; not decoded further")
            return
        if archive is not None:
            read = {"zip": _zip_members, "gzip": _gunzip, "tar": _tar_members}[archive]
            unpacked = False
            for dec in read(data, origin, budget):
                unpacked = unpacked or bool(dec.data)  # a cut-short header inflates to b""
                yield dec
            if unpacked:
                return
            # Not readable as an archive after all (cut short, corrupt, or only made to
            # look like one): decode it like any other content, so that a few magic
            # bytes in front cannot hide an encoded key.
        yield from self._utf16(data, origin, budget)
        yield from self._base64(data, origin, budget)
        yield from self._json_escapes(data, budget)

    def _has_encoded_prefix(self, data: bytes) -> bool:
        """The gate. Each multi-byte `find` is a full pass over the chunk and costs
        about as much as the plain prefilter itself, so the base64 needles (and the
        base64 archive magics) are searched together by _CollapsedGate. Everything
        else is nearly free: a memchr for NUL (UTF-16), and checks at the start of
        the data (JSON, base64 files and base64-encoded archives)."""
        return self.gate.hits(data) or self._cheap_triggers(data)

    def _cheap_triggers(self, data: bytes) -> bool:
        # UTF-16 text has NUL bytes; ordinary text has none (memchr: nearly free).
        if data.find(b"\0") >= 0 and any(data.find(u) >= 0 for u in self.utf16):
            return True
        start = _skip_space(data, 0)
        if _looks_json(data, start) and data.find(b"\\u00") >= 0:
            return True
        if data.startswith(_B64_MAGICS, start):
            return True
        return _wrapped_block_at(data, start) is not None

    # -- UTF-16 ---------------------------------------------------------------------

    def _utf16(self, data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
        parities: set[int] = set()
        for form in self.utf16:
            pos = data.find(form)
            hits = 0
            while pos >= 0 and len(parities) < 2 and hits < 10000:
                parities.add(pos % 2)
                hits += 1
                pos = data.find(form, pos + 1)
        if not parities:
            return
        if len(data) > budget.remaining:
            budget.problem(origin, "UTF-16 text larger than the decode budget; not decoded")
            return
        bom = data[:2]
        for parity in sorted(parities):
            if bom == b"\xff\xfe":
                codec, start = "utf-16-le", 2
            elif bom == b"\xfe\xff":
                codec, start = "utf-16-be", 2
            else:
                # ASCII text in UTF-16LE and UTF-16BE differ only by a one-byte shift:
                # a hit at an even offset reads as LE from 0, at an odd one as BE.
                codec, start = ("utf-16-le", 0) if parity == 0 else ("utf-16-be", 0)
            body = data[start:]
            text = body[: len(body) - len(body) % 2].decode(codec, errors="replace")
            out = text.encode("utf-8", errors="replace")
            budget.expanded += len(out)
            label = "utf-16le" if codec == "utf-16-le" else "utf-16be"
            yield Decoded(out, label, _Utf16Map(out, start), lines_from_parent=False)
            if bom in (b"\xff\xfe", b"\xfe\xff"):
                return

    # -- base64 ---------------------------------------------------------------------

    def _base64(self, data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
        done: list[tuple[int, int]] = []  # outer spans already decoded whole

        def covered(pos: int) -> bool:
            return any(lo <= pos < hi for lo, hi in done)

        # Whole blocks: a file (or block) of wrapped base64 lines starting the data,
        # and any run that begins with the base64 of an archive's magic bytes.
        starts = []
        first = _skip_space(data, 0)
        if _wrapped_block_at(data, first) is not None:
            starts.append(first)
        for magic in _B64_MAGICS:
            pos = data.find(magic)
            while pos >= 0:
                if pos == 0 or data[pos - 1] not in _B64_SET:
                    starts.append(pos)
                pos = data.find(magic, pos + 1)
        for start in sorted(set(starts)):
            if covered(start):
                continue
            width = _wrapped_block_at(data, start)
            if width is not None and width <= 4096:
                block = _collect_wrapped(data, start, width, self.limits.max_whole_run)
            else:
                block = _collect_block(data, start, None, self.limits.max_whole_run)
            if block.cut:
                budget.problem(origin, f"base64 block at offset {start} is longer than "
                                       f"{self.limits.max_whole_run} characters; only "
                                       "windows around key-like text were decoded")
                continue
            if len(block.text) * 3 // 4 > budget.remaining:
                budget.problem(origin, f"base64 block at offset {start} expands beyond the "
                                       "decode budget; not decoded whole")
                continue
            dec = _decode_block(block, 0, budget)
            if dec is not None:
                done.append((block.outer_start, block.outer_end))
                yield dec

        # Windows around each hit of an encoded prefix.
        hits: list[tuple[int, int]] = []
        for needle, phase in self.b64_needles:
            pos = data.find(needle)
            while pos >= 0:
                if not covered(pos):
                    hits.append((pos, phase))
                pos = data.find(needle, pos + 1)
        hits.sort()
        prev: tuple[_Block, int] | None = None
        for pos, phase in hits:
            if prev is not None and pos < prev[0].outer_end - 1024:
                at = prev[0].joined_offset(pos)
                if (at - phase) % 4 == prev[1]:
                    continue  # decoded already, at this alignment, by the previous window
            block = _collect_block(data, pos, self.limits.window, self.limits.window)
            if len(block.text) < 16:
                continue
            at = block.joined_offset(pos)
            # Decode from a group boundary: the needle fixes the alignment.
            align = (at - phase) % 4
            if len(block.text) * 3 // 4 > budget.remaining:
                budget.problem(origin, "decode budget exhausted; remaining base64 not decoded")
                return
            dec = _decode_block(block, align, budget)
            if dec is not None:
                prev = (block, align)
                yield dec

    # -- JSON escapes -----------------------------------------------------------------

    def _json_escapes(self, data: bytes, budget: Budget) -> Iterator[Decoded]:
        """JSON documents (notebooks included) with `\\uXXXX` escapes."""
        if not _looks_json(data, _skip_space(data, 0)) or data.find(b"\\u00") < 0:
            return
        if len(data) > budget.remaining:
            return
        pieces: list[bytes] = []
        child_offs: list[int] = [0]
        parent_offs: list[int] = [0]
        cursor = 0
        size = 0
        changed = False
        for m in _JSON_ESCAPE.finditer(data):
            s, e = m.span()
            pieces.append(data[cursor:s])
            size += s - cursor
            if m.group(1) is not None:
                code = int(m.group(1), 16)
                text = " " if code < 0x20 or 0xD800 <= code <= 0xDFFF else chr(code)
            else:
                text = _JSON_SIMPLE[m.group(2)]
            rep = text.encode("utf-8")
            pieces.append(rep)
            child_offs.append(size)
            parent_offs.append(s)
            size += len(rep)
            child_offs.append(size)
            parent_offs.append(e)
            cursor = e
            changed = True
        if not changed:
            return
        pieces.append(data[cursor:])
        out = b"".join(pieces)
        if not any(out.find(p) >= 0 for p in self.prefixes):
            return
        budget.expanded += len(out)
        yield Decoded(out, "json-escape", _OffsetMap(child_offs, parent_offs),
                      lines_from_parent=True)


# -- the collapsed gate ---------------------------------------------------------------


# How common a byte is in source text: the gate's windows prefer rare bytes.
_GATE_WEIGHT = {**dict.fromkeys(string.ascii_lowercase.encode(), 4),
                **dict.fromkeys(string.digits.encode(), 2), ord("-"): 2}


class _CollapsedGate:
    """Several needles in about two passes: one `translate`, one `find`.

    Each needle gets a 3-byte window; the window's bytes are mapped to 1, 2 and 3 by
    a translation table (every other byte to 0), chosen so that all windows agree.
    Then every needle occurrence becomes `\\1\\2\\3` in the translated data, and
    one `find` rules them all out at once. A hit is confirmed with the real needle,
    which happens for a few percent of ordinary chunks. Needles whose windows cannot
    agree with the others are searched one by one.

    The decoders' gate holds only the encoded needles: text dense with a plain prefix
    (a CSS bundle full of `ps-3`) would make its windows confirm for nothing. The
    engine's prefilter holds the plain prefixes too: there a confirmed prefix ends
    the search, and one translate plus one `find` costs less than a `find` for the
    prefix followed by the decoders' gate (2.2-2.5 vs 3.2 ns/byte on Python sources).
    """

    def __init__(self, needles: list[bytes]) -> None:
        self.needles = list(dict.fromkeys(needles))
        long = [n for n in self.needles if len(n) >= 3]
        best: tuple[int, int, dict[int, int]] | None = None
        choices = [range(len(n) - 2) for n in long]
        for combo in itertools.islice(itertools.product(*choices), 20000):
            cls: dict[int, int] = {}
            placed = 0
            for needle, off in zip(long, combo, strict=True):
                window = needle[off:off + 3]
                if all(cls.get(b, i + 1) == i + 1 for i, b in enumerate(window)):
                    for i, b in enumerate(window):
                        cls[b] = i + 1
                    placed += 1
            # `find` stops at every byte of the window's last class: those count double.
            weight = sum(_GATE_WEIGHT.get(b, 1) * (2 if c == 3 else 1) for b, c in cls.items())
            if best is None or (placed, -weight) > (best[0], -best[1]):
                best = (placed, weight, cls)
        cls = best[2] if best else {}
        self.table = bytes(cls.get(b, 0) for b in range(256))
        # (needle, offset of a collapsed window) for confirming a hit in place
        self.windows = [(n, o) for n in long for o in range(len(n) - 2)
                        if n[o:o + 3].translate(self.table) == b"\1\2\3"]
        placed_needles = {n for n, _ in self.windows}
        self.extra = [n for n in self.needles if n not in placed_needles]

    def hits(self, data: bytes) -> bool:
        """True when any needle occurs in data."""
        if not self.windows:
            return any(data.find(n) >= 0 for n in self.extra)
        confirmed = 0
        # Big data is translated in slices so the copy stays small.
        for base in range(0, max(len(data), 1), _GATE_SLICE):
            piece = data if len(data) <= _GATE_SLICE else data[base:base + _GATE_SLICE + 4]
            mapped = piece.translate(self.table)
            pos = mapped.find(b"\1\2\3")
            # Confirm at the (usually few) places that collapsed; past a handful,
            # the real finds are cheaper.
            while pos >= 0 and confirmed < 32:
                at = base + pos
                if any(at >= off and data.startswith(needle, at - off)
                       for needle, off in self.windows):
                    return True
                confirmed += 1
                pos = mapped.find(b"\1\2\3", pos + 1)
            if confirmed >= 32:
                return any(data.find(n) >= 0 for n in self.needles)
        return any(data.find(n) >= 0 for n in self.extra)


# -- helpers: offsets ---------------------------------------------------------------


class _OffsetMap:
    """Piecewise-linear offset map from breakpoints (child offsets ascending)."""

    def __init__(self, child: list[int], parent: list[int]) -> None:
        self.child = child
        self.parent = parent

    def __call__(self, off: int) -> int:
        i = bisect.bisect_right(self.child, off) - 1
        return self.parent[i] + (off - self.child[i])


class _Utf16Map:
    def __init__(self, text: bytes, start: int) -> None:
        self.text = text
        self.start = start

    def __call__(self, off: int) -> int:
        return self.start + 2 * len(self.text[:off].decode("utf-8", errors="replace"))


class _B64Map:
    """Decoded offset → encoded character → outer offset."""

    def __init__(self, block: _Block, align: int) -> None:
        self.block = block
        self.align = align

    def __call__(self, off: int) -> int:
        return self.block.outer_offset(self.align + off * 4 // 3)


def _relocate(c: Candidate, dec: Decoded, parent: bytes, parent_binary: bool) -> Candidate:
    assert dec.to_parent is not None
    off = dec.to_parent(c.offset)
    if not dec.lines_from_parent:
        return c.replace(offset=off)
    if parent_binary:
        return c.replace(offset=off, line=None, column=None)
    line_start = parent.rfind(b"\n", 0, off) + 1
    line_end = parent.find(b"\n", off, off + 4096)
    # The allow marker is looked for near the key only: lines can be huge.
    line_bytes = parent[max(line_start, off - 4096): off + 4096 if line_end < 0 else line_end]
    line = parent.count(b"\n", 0, off) + 1
    if off - line_start > 65536:  # a huge line: count bytes, do not copy and decode it
        column = off - line_start + 1
    else:
        column = len(parent[line_start:off].decode("utf-8", errors="replace")) + 1
    from psguard.engine.engine import ALLOW_MARKERS  # engine imports this module

    suppressed = c.suppressed or any(m in line_bytes for m in ALLOW_MARKERS)
    return c.replace(offset=off, line=line, column=column, suppressed=suppressed)


def _dedup(found: list[Candidate]) -> list[Candidate]:
    """One candidate per place: a key seen plain and through an escape decoder at the
    same offset is one occurrence (kept plain, at the higher confidence)."""
    if len(found) < 2:
        return found
    best: dict[tuple[object, ...], Candidate] = {}
    for c in found:
        how = c.origin.decoded_from
        if how:  # an escape decoder does not move a key: same place, same occurrence
            how = " > ".join(p for p in how.split(" > ") if p != "json-escape") or None
        key = (c.rule, c.secret, c.offset, c.origin.replace(decoded_from=how))
        have = best.get(key)
        if have is None:
            best[key] = c
        elif c.confidence_rank > have.confidence_rank:
            best[key] = have.replace(confidence=c.confidence)
    return list(best.values())


# -- helpers: base64 blocks ------------------------------------------------------------


def _looks_json(data: bytes, start: int) -> bool:
    return data[start:start + 1] in (b"{", b"[")


def _skip_space(data: bytes, pos: int) -> int:
    n = len(data)
    while pos < n and data[pos] in b" \t\r\n":
        pos += 1
    return pos


def _wrapped_block_at(data: bytes, pos: int) -> int | None:
    """Width of wrapped base64 lines starting at pos (>= 2 full lines), else None."""
    m = _B64_LINE.match(data, pos)
    if m is None or m.end(2) > m.start(2):
        return None
    width = m.end(1) - m.start(1)  # (no group() copies: lines can be huge)
    if width < 40 or width % 4:
        return None
    m2 = _B64_LINE.match(data, m.end())
    if m2 is None:
        # A single line followed by the end of the data is a whole base64 file too.
        return width if _skip_space(data, m.end()) == len(data) else None
    return width if m2.end(1) - m2.start(1) <= width else None


class _Block(Record):
    """A base64 run, joined across wrapped lines, with the way back to outer offsets."""

    __slots__ = ("text", "seg_joined", "seg_outer", "cut")

    def __init__(self, text: bytes, seg_joined: list[int], seg_outer: list[int],
                 cut: bool = False) -> None:
        self.text = text
        self.seg_joined = seg_joined  # joined offset where each piece starts
        self.seg_outer = seg_outer  # outer offset of the same character
        self.cut = cut  # the run goes on past the collected part

    @property
    def outer_start(self) -> int:
        return self.seg_outer[0] if self.seg_outer else 0

    @property
    def outer_end(self) -> int:
        if not self.seg_outer:
            return 0
        return self.seg_outer[-1] + (len(self.text) - self.seg_joined[-1])

    def outer_offset(self, j: int) -> int:
        i = max(0, bisect.bisect_right(self.seg_joined, j) - 1)
        return self.seg_outer[i] + (j - self.seg_joined[i])

    def joined_offset(self, outer: int) -> int:
        i = max(0, bisect.bisect_right(self.seg_outer, outer) - 1)
        return self.seg_joined[i] + (outer - self.seg_outer[i])


def _run_bounds(data: bytes, pos: int, back: int | None, forward: int) -> tuple[int, int]:
    """The base64 run containing pos on its line, at most back/forward chars away."""
    lo = pos
    if back:
        window = data[max(0, pos - back):pos][::-1]
        m = _B64_RUN.match(window)
        lo = pos - (m.end() if m else 0)
    m = _B64_RUN.match(data, pos, min(len(data), pos + forward))
    hi = m.end() if m else pos
    return lo, hi


def _full_line_run(data: bytes, lo: int, hi: int) -> int | None:
    """Width when [lo, hi) is a whole line of base64 (after indentation), else None.
    Looks only at the bytes next to the run: lines can be gigabytes long."""
    if hi < len(data) and data[hi] != 0x0A and data[hi:hi + 2] != b"\r\n":
        return None
    i = lo
    while i > 0 and lo - i < 64 and data[i - 1] in b" \t":
        i -= 1
    if i > 0 and data[i - 1] != 0x0A:
        return None
    return hi - lo


def _collect_block(data: bytes, pos: int, back: int | None, forward: int) -> _Block:
    """The run at pos, continued over wrapped lines (equal width, multiple of 4), at
    most `back` characters before pos and `forward` after it. `cut` says the run
    goes on past `forward`."""
    lo, hi = _run_bounds(data, pos, back, forward)
    pieces = [(lo, hi)]
    cut = hi < len(data) and hi - pos >= forward and data[hi] in _B64_SET
    width = _full_line_run(data, lo, hi)
    if width is not None and width >= 40 and not cut:
        total = hi - lo
        # Backwards over full-width lines (only while collecting a window).
        if back:
            cur = lo
            while total - (hi - lo) < back:
                ls = data.rfind(b"\n", 0, cur)
                if ls <= 0:
                    break
                pls = data.rfind(b"\n", 0, ls) + 1
                plo, phi = _run_bounds(data, _skip_indent(data, pls), None, width + 1)
                prev_end = ls - 1 if data[ls - 1:ls] == b"\r" else ls
                if phi != prev_end or phi - plo != width or width % 4:
                    break
                pieces.insert(0, (plo, phi))
                total += width
                cur = plo
        # Forwards while lines are full width; the last may be shorter.
        fwd = hi - pos
        cur_hi = hi
        last_width = hi - lo
        while last_width == width and width % 4 == 0:
            nl = data.find(b"\n", cur_hi)
            if nl < 0:
                break
            nlo = _skip_indent(data, nl + 1)
            room = forward - fwd
            if room <= 0:
                cut = _run_bounds(data, nlo, None, 1)[1] > nlo  # the block goes on
                break
            _, nhi = _run_bounds(data, nlo, None, min(width, room))
            if room < width and nhi - nlo == room and data[nhi:nhi + 1] not in (b"", b"\n",
                                                                                  b"\r", b"="):
                pieces.append((nlo, nhi))  # stopped inside a line of the block
                cut = True
                break
            if nhi == nlo or _full_line_run(data, nlo, nhi) is None:
                # the next line is not (only) base64
                if nhi > nlo and _full_line_run(data, nlo, _eq_end(data, nhi)) is not None:
                    pieces.append((nlo, nhi))
                break
            pieces.append((nlo, nhi))
            fwd += nhi - nlo
            last_width = nhi - nlo
            cur_hi = nhi
    seg_joined, seg_outer, parts = [], [], []
    j = 0
    for s, e in pieces:
        seg_joined.append(j)
        seg_outer.append(s)
        parts.append(data[s:e])
        j += e - s
    return _Block(b"".join(parts), seg_joined, seg_outer, cut)


_WRAPPED_RE: dict[int, re.Pattern[bytes]] = {}
_LINE_CONTENT = re.compile(rb"[ \t]*([A-Za-z0-9+/_-]+=*)")


def _collect_wrapped(data: bytes, start: int, width: int, limit: int) -> _Block:
    """A block of wrapped base64 lines from start, at C speed (regex, translate)."""
    rx = _WRAPPED_RE.get(width)
    if rx is None:
        rx = _WRAPPED_RE[width] = re.compile(
            rb"(?:[ \t]*[A-Za-z0-9+/_-]{%d}\r?\n)*" % width)
    lines_max = limit // width
    endpos = min(len(data), start + lines_max * (width + 16))
    m = rx.match(data, start, endpos)
    end = m.end() if m else start
    full_lines = data.count(b"\n", start, end)
    if full_lines >= lines_max:
        return _Block(b"", [0], [start], cut=True)  # longer than the limit
    # The last, shorter line (maybe padded) belongs to the block too.
    last = _B64_LINE.match(data, end)
    if last is not None and len(last.group(1)) <= width:
        end = last.end()
    region = data[start:end]
    seg_joined: list[int] = []
    seg_outer: list[int] = []
    j = 0
    for lm in _LINE_CONTENT.finditer(region):
        seg_joined.append(j)
        seg_outer.append(start + lm.start(1))
        j += lm.end(1) - lm.start(1)
    return _Block(region.translate(None, b" \t\r\n"), seg_joined or [0],
                  seg_outer or [start])


def _skip_indent(data: bytes, pos: int) -> int:
    n = len(data)
    while pos < n and data[pos] in b" \t":
        pos += 1
    return pos


def _eq_end(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos] == 0x3D:  # '='
        pos += 1
    return pos


def _decode_block(block: _Block, align: int, budget: Budget) -> Decoded | None:
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
    return Decoded(out, "base64", _B64Map(block, align), lines_from_parent=True,
                   cut=block.cut)


# -- helpers: archives -------------------------------------------------------------------


def _archive_kind(data: bytes) -> str | None:
    if data.startswith(ZIP_MAGIC):
        return "zip"
    if data.startswith(GZIP_MAGIC):
        return "gzip"
    if len(data) >= 512 and data[257:262] == b"ustar":
        return "tar"
    return None


def _take_member(origin: Origin, budget: Budget, name: str) -> bool:
    if budget.members >= budget.limits.max_members:
        budget.problem(origin, f"more than {budget.limits.max_members} archive members; "
                               f"{name} and the rest were not scanned")
        return False
    budget.members += 1
    return True


def _zip_members(data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
    import zipfile  # only archives pay for it (the pre-commit hook's clean path does not)

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        budget.problem(origin, f"zip archive could not be read ({exc}); scanned as bytes")
        return
    with zf:
        for info in infos:
            if info.is_dir():
                continue
            name = info.filename
            if not _take_member(origin, budget, name):
                return
            if info.flag_bits & 0x1:
                budget.problem(origin, f"zip member {name} is encrypted; not scanned")
                continue
            room = budget.remaining
            if info.file_size > room:
                budget.problem(origin, f"zip member {name} expands to {info.file_size} bytes, "
                                       "beyond the decode budget; not scanned")
                continue
            try:
                with zf.open(info) as fh:
                    content = fh.read(room + 1)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
                    RuntimeError, zlib.error) as exc:
                budget.problem(origin, f"zip member {name} could not be read ({exc})")
                continue
            if len(content) > room:
                budget.problem(origin, f"zip member {name} expands beyond the decode "
                                       "budget; not scanned")
                continue
            budget.expanded += len(content)
            yield Decoded(content, f"zip:{name}")


def _gunzip(data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
    room = budget.remaining
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, room + 1)
    except zlib.error as exc:
        budget.problem(origin, f"gzip stream could not be read ({exc}); scanned as bytes")
        return
    if len(out) > room or inflater.unconsumed_tail:
        budget.problem(origin, "gzip stream expands beyond the decode budget; only the "
                               f"first {room} bytes were scanned")
        out = out[:room]
    budget.expanded += len(out)
    yield Decoded(out, "gzip")


def _tar_members(data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
    import tarfile

    try:
        tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:")  # noqa: SIM115
    except (tarfile.TarError, OSError, EOFError) as exc:
        budget.problem(origin, f"tar archive could not be read ({exc}); scanned as bytes")
        return
    with tf:
        while True:
            try:
                member = tf.next()
            except (tarfile.TarError, OSError, EOFError) as exc:
                budget.problem(origin, f"tar archive could not be read further ({exc})")
                return
            if member is None:
                return
            if not member.isfile():
                continue
            if not _take_member(origin, budget, member.name):
                return
            if member.size > budget.remaining:
                budget.problem(origin, f"tar member {member.name} is {member.size} bytes, "
                                       "beyond the decode budget; not scanned")
                continue
            fh = tf.extractfile(member)
            if fh is None:
                continue
            content = fh.read()
            budget.expanded += len(content)
            yield Decoded(content, f"tar:{member.name}")
