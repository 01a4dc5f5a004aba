"""UTF-16 text, little or big endian, with or without a byte-order mark.

The gate: UTF-16 of `ps-` always contains `p\\0s\\0-`, in either byte order. Text
has no NUL byte, so a memchr for NUL rules almost every chunk out before any of
these forms is searched for. Findings are reported at the text line.
"""

from __future__ import annotations

from collections.abc import Iterator

from psguard.decoders.base import NO_CHECKS, Budget, Decoded
from psguard.models import Origin

_BOMS = (b"\xff\xfe", b"\xfe\xff")


def utf16_form(prefix: bytes) -> bytes:
    """`p\\0s\\0-`: a substring of the prefix in both UTF-16LE and UTF-16BE."""
    return b"\0".join(bytes([c]) for c in prefix)


class Utf16Map:
    """Decoded (UTF-8) offset → offset in the UTF-16 bytes. Asked in increasing order
    (the engine sorts), each call decodes only the text since the previous one."""

    def __init__(self, text: bytes, start: int) -> None:
        self.text = text
        self.start = start
        self._off = 0
        self._chars = 0

    def __call__(self, off: int) -> int:
        if off < self._off:
            self._off = self._chars = 0
        # Offsets are where keys start and end: ASCII, never inside a sequence.
        self._chars += len(self.text[self._off:off].decode("utf-8", errors="replace"))
        self._off = off
        return self.start + 2 * self._chars


class Utf16Decoder:
    """Decodes the data as UTF-16 text, in each byte order a prefix was seen in."""

    needles: tuple[bytes, ...] = ()  # the forms hold NUL: a memchr rules them out first
    exclusive = False
    checks = NO_CHECKS  # every needle counts wherever it occurs

    def __init__(self, prefixes: tuple[bytes, ...]) -> None:
        self.forms = tuple(utf16_form(p) for p in prefixes)
        self.anywhere = self.forms  # triggered is False unless one of them occurs

    def triggered(self, data: bytes, start: int) -> bool:
        # UTF-16 text has NUL bytes; ordinary text has none (memchr: nearly free).
        return data.find(b"\0") >= 0 and any(data.find(u) >= 0 for u in self.forms)

    def __call__(self, data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
        parities = self._parities(data)
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
            yield Decoded(out, label, Utf16Map(out, start), lines_from_parent=False)
            if bom in _BOMS:
                return

    def _parities(self, data: bytes) -> set[int]:
        """The parities (0 even, 1 odd) of the offsets where a prefix's form occurs."""
        parities: set[int] = set()
        for form in self.forms:
            pos = data.find(form)
            hits = 0
            while pos >= 0 and len(parities) < 2 and hits < 10000:
                parities.add(pos % 2)
                hits += 1
                pos = data.find(form, pos + 1)
        return parities
