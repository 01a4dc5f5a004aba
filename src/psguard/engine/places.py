"""Where candidates sit, in linear time: line numbers, columns and allow markers for
offsets visited in order, and a cap on the places listed per key.

A file that repeats one key (a minified bundle, a log that prints it on every request)
has as many matches as copies. Each fact here is computed once per stretch of bytes
(never by counting from the start of the data for each match), and at most
MAX_PLACES places are kept per key, source and decoding; the rest are counted in the
last kept candidate's `more` and reported as a number.
"""

from __future__ import annotations

import codecs
from collections.abc import Hashable

from psguard.models import Candidate
from psguard.rules.markers import ALLOW_MARKERS

MAX_PLACES = 100  # places listed per key in one file, blob or message (README)
_DECODE_SLICE = 1024 * 1024  # bytes decoded at a time when counting columns


class LineCursor:
    """Line facts for offsets asked in increasing order; an earlier offset starts over.

    Every byte is counted once per pass: line numbers by counting newlines since the
    previous offset, columns (characters, UTF-8 with replacement, as a decoder of the
    whole line would count them) by decoding only the bytes since the previous offset
    on the same line, the allow markers once per line."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._any_marker: bool | None = None
        self._reset()

    def _reset(self) -> None:
        self.pos = 0  # the last offset moved to
        self.number = 1  # its line number
        self.start = 0  # where its line starts
        self._end = -1  # where its line ends (-1: not looked up yet)
        self._marked: bool | None = None
        self._col_pos = -1  # the offset the character count reached, on this line
        self._chars = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def move(self, off: int) -> None:
        if off < self.pos:
            self._reset()
        newlines = self.data.count(b"\n", self.pos, off)
        if newlines:
            self.number += newlines
            self.start = self.data.rfind(b"\n", self.pos, off) + 1
            self._end = -1
            self._marked = None
        self.pos = off

    @property
    def end(self) -> int:
        """Where the current line ends (its newline, or the end of the data)."""
        if self._end < 0:
            found = self.data.find(b"\n", self.pos)
            self._end = len(self.data) if found < 0 else found
        return self._end

    @property
    def marked(self) -> bool:
        """An inline allow marker somewhere on the current line."""
        if self._marked is None:
            self._marked = self.any_marker and any(
                self.data.find(m, self.start, self.end) >= 0 for m in ALLOW_MARKERS)
        return self._marked

    @property
    def any_marker(self) -> bool:
        """An allow marker anywhere in the data (most content has none: one look)."""
        if self._any_marker is None:
            self._any_marker = any(self.data.find(m) >= 0 for m in ALLOW_MARKERS)
        return self._any_marker

    def marked_at(self, off: int) -> bool:
        """`marked` for the line holding off; moves there only if the data has markers."""
        if not self.any_marker:
            return False
        self.move(off)
        return self.marked

    def column(self) -> int:
        """The 1-based column (in characters) of the current offset."""
        if self._col_pos < self.start or self._col_pos > self.pos:
            self._col_pos = self.start
            self._chars = 0
            self._decoder.reset()
        while self._col_pos < self.pos:
            upto = min(self.pos, self._col_pos + _DECODE_SLICE)
            self._chars += len(self._decoder.decode(self.data[self._col_pos:upto]))
            self._col_pos = upto
        pending = self._decoder.getstate()[0]  # an unfinished sequence: one U+FFFD
        return self._chars + (1 if pending else 0) + 1


class KeywordWindow:
    """Is a keyword within `reach` bytes of a match? For matches in increasing order,
    each byte is lowered and searched once (windows of neighbouring matches overlap)."""

    def __init__(self, data: bytes, keywords: tuple[bytes, ...], reach: int) -> None:
        self.data = data
        self.keywords = keywords
        self.reach = reach
        self.overlap = max((len(k) for k in keywords), default=1) - 1
        self.any: bool | None = None  # any keyword in the data at all
        self.lo = 0  # the window's start last time: hits before it are dropped
        self.searched = 0  # every keyword ending at or before this offset is in hits
        self.hits: list[tuple[int, int]] = []  # (start, end) of keyword occurrences

    def _anywhere(self) -> bool:
        """Any keyword in the data at all (most content with a match has none)."""
        step = 1024 * 1024
        for base in range(0, len(self.data), step):
            text = self.data[base:base + step + self.overlap].lower()
            if any(k in text for k in self.keywords):
                return True
        return False

    def near(self, start: int, end: int) -> bool:
        if self.any is None:
            self.any = bool(self.keywords) and self._anywhere()
        if not self.any:
            return False
        lo, hi = max(0, start - self.reach), end + self.reach
        if lo < self.lo:
            self.searched, self.hits = 0, []  # went backwards: start over
        self.lo = lo
        if hi > self.searched:
            base = max(lo, self.searched - self.overlap)
            text = self.data[base:hi].lower()
            for k in self.keywords:
                pos = text.find(k)
                while pos >= 0:
                    if base + pos + len(k) > self.searched:  # not found before
                        self.hits.append((base + pos, base + pos + len(k)))
                    pos = text.find(k, pos + 1)
            self.searched = min(hi, len(self.data))
        self.hits = [h for h in self.hits if h[0] >= lo]
        return any(e <= hi for _, e in self.hits)


class LocationCap:
    """Keeps the first MAX_PLACES candidates per key and counts the rest."""

    def __init__(self, limit: int = MAX_PLACES) -> None:
        self.limit = limit
        self.seen: dict[Hashable, int] = {}  # places seen per key
        self.listed: dict[Hashable, int] = {}  # candidates kept per key
        self.last: dict[Hashable, int] = {}  # index of the last kept one in the output

    def admit(self, key: Hashable, weight: int = 1) -> bool:
        """Count `weight` places for key; True when a candidate for them is kept."""
        self.seen[key] = self.seen.get(key, 0) + weight
        n = self.listed.get(key, 0)
        if n >= self.limit:
            return False
        self.listed[key] = n + 1
        return True

    def kept_at(self, key: Hashable, index: int) -> None:
        self.last[key] = index

    def finish(self, out: list[Candidate]) -> list[Candidate]:
        """out, with the last kept candidate of each key carrying the count of the rest."""
        for key, index in self.last.items():
            rest = self.seen[key] - self.listed[key]
            if rest > 0:
                out[index] = out[index].replace(more=rest)
        return out


def cap_places(cands: list[Candidate]) -> list[Candidate]:
    """The first MAX_PLACES candidates per (rule, key, origin, suppressed), in order; the
    last kept one of each carries how many more there were (their own `more` included)."""
    cap = LocationCap()
    out: list[Candidate] = []
    for c in cands:
        key = (c.rule, c.secret, c.origin, c.suppressed)
        if cap.admit(key, 1 + c.more):
            cap.kept_at(key, len(out))
            out.append(c.replace(more=0) if c.more else c)
    return cap.finish(out)
