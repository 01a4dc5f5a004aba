"""Base64 runs in text: joined across wrapped lines, with the way back to outer offsets.

A run is collected where the base64 decoder needs it: a window around a hit of an
encoded prefix (`collect_block`), or a whole block of wrapped lines (`collect_wrapped`,
for base64 files and base64-encoded archives). Lines can be gigabytes long, so every
helper looks only at bounded stretches next to the run.
"""

from __future__ import annotations

import bisect
import re
from functools import cache

from psguard.decoders.base import skip_space
from psguard.models import Record

_B64_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
B64_SET = frozenset(_B64_CHARS)
# The patterns are compiled at first use, not at import: a clean scan never decodes.


@cache
def b64_run() -> re.Pattern[bytes]:
    return re.compile(rb"[A-Za-z0-9+/_-]*")


@cache
def _b64_line() -> re.Pattern[bytes]:
    return re.compile(rb"[ \t]*([A-Za-z0-9+/_-]+)(=*)\r?\n")


def wrapped_block_at(data: bytes, pos: int) -> int | None:
    """Width of wrapped base64 lines starting at pos (>= 2 full lines), else None."""
    m = _b64_line().match(data, pos)
    if m is None or m.end(2) > m.start(2):
        return None
    width = m.end(1) - m.start(1)  # (no group() copies: lines can be huge)
    if width < 40 or width % 4:
        return None
    m2 = _b64_line().match(data, m.end())
    if m2 is None:
        # A single line followed by the end of the data is a whole base64 file too.
        return width if skip_space(data, m.end()) == len(data) else None
    return width if m2.end(1) - m2.start(1) <= width else None


class Block(Record):
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
        m = b64_run().match(window)
        lo = pos - (m.end() if m else 0)
    m = b64_run().match(data, pos, min(len(data), pos + forward))
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


def collect_block(data: bytes, pos: int, back: int | None, forward: int) -> Block:
    """The run at pos, continued over wrapped lines (equal width, multiple of 4), at
    most `back` characters before pos and `forward` after it. `cut` says the run
    goes on past `forward`."""
    lo, hi = _run_bounds(data, pos, back, forward)
    pieces = [(lo, hi)]
    cut = hi < len(data) and hi - pos >= forward and data[hi] in B64_SET
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
    return Block(b"".join(parts), seg_joined, seg_outer, cut)


_WRAPPED_RE: dict[int, re.Pattern[bytes]] = {}


@cache
def _line_content() -> re.Pattern[bytes]:
    return re.compile(rb"[ \t]*([A-Za-z0-9+/_-]+=*)")


def collect_wrapped(data: bytes, start: int, width: int, limit: int) -> Block:
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
        return Block(b"", [0], [start], cut=True)  # longer than the limit
    # The last, shorter line (maybe padded) belongs to the block too.
    last = _b64_line().match(data, end)
    if last is not None and len(last.group(1)) <= width:
        end = last.end()
    region = data[start:end]
    seg_joined: list[int] = []
    seg_outer: list[int] = []
    j = 0
    for lm in _line_content().finditer(region):
        seg_joined.append(j)
        seg_outer.append(start + lm.start(1))
        j += lm.end(1) - lm.start(1)
    return Block(region.translate(None, b" \t\r\n"), seg_joined or [0],
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
