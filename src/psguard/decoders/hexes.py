"""Hex-encoded text: a key written as the hex of its bytes (`70732d…`), as dumps,
`xxd -p`, SQL `X'…'` literals and some secret stores write it.

The gate: the hex of a rule prefix, in lower or upper case (`70732d`, `70732D` for
`ps-`), found together with every other decoder's needles. Around each hit, the run of
hex digits is decoded from the hit's parity on, and the decoded text maps back to the
digits, so line and column point at the hex in the outer text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from psguard.decoders.base import NO_CHECKS, Budget, Decoded
from psguard.models import Origin

LABEL = "hex"


@cache
def _hex_run() -> re.Pattern[bytes]:  # at first use: a clean scan never decodes
    return re.compile(rb"[0-9a-fA-F]*")
_BACK = 64  # hex digits kept before the prefix (a few words of context)


class HexMap:
    def __init__(self, start: int) -> None:
        self.start = start

    def __call__(self, off: int) -> int:
        return self.start + 2 * off


class HexDecoder:
    """Windows of hex digits around each hex-encoded prefix."""

    anywhere: tuple[bytes, ...] = ()  # its trigger never fires: the needles alone open it
    exclusive = False
    checks = NO_CHECKS  # every needle counts wherever it occurs

    def __init__(self, prefixes: tuple[bytes, ...]) -> None:
        self.needles = tuple(form for p in prefixes
                             for form in (p.hex().encode(), p.hex().upper().encode()))

    def triggered(self, data: bytes, start: int) -> bool:
        return False  # the needles alone open it

    def __call__(self, data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
        done = -1
        for pos in sorted(p for n in self.needles for p in _finds(data, n)):
            if pos < done:
                continue  # inside a run decoded already
            lo = pos
            while lo > 0 and pos - lo < _BACK and data[lo - 1] in _DIGITS:
                lo -= 1
            lo += (pos - lo) % 2  # the prefix's parity fixes the byte boundaries
            m = _hex_run().match(data, pos, pos + 2 * budget.limits.window)
            hi = m.end() if m else pos
            hi -= (hi - lo) % 2
            if (hi - lo) // 2 > budget.remaining:
                budget.problem(origin, "decode budget exhausted; remaining hex not decoded")
                return
            out = bytes.fromhex(data[lo:hi].decode("ascii"))
            budget.expanded += len(out)
            done = hi
            yield Decoded(out, LABEL, HexMap(lo), lines_from_parent=True)


_DIGITS = frozenset(b"0123456789abcdefABCDEF")


def _finds(data: bytes, needle: bytes) -> Iterator[int]:
    pos = data.find(needle)
    while pos >= 0:
        yield pos
        pos = data.find(needle, pos + 1)
