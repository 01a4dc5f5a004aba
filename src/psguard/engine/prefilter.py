"""The prefilter's collapsed gate: many needles ruled out in about two passes.

With decoding on, the engine's prefilter asks one question of every chunk: can a
rule prefix, or anything a decoder could turn into a key, be in these bytes? The
answer must cost about as much as a single `find`, because it is paid by every
blob of a history scan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

Check = Callable[[bytes, int], bool]  # does the needle found at this offset count?

_GATE_SLICE = 8 * 1024 * 1024  # bytes translated at a time by the collapsed gate

# How common a byte is in source text: the gate's windows prefer rare bytes.
# (Literals, not the string module: importing it compiles a pattern, paid by every hook.)
_GATE_WEIGHT = {**dict.fromkeys(b"abcdefghijklmnopqrstuvwxyz", 4),
                **dict.fromkeys(b"etaoinsrhl \n\t=;,.()\"'_:/", 8),
                **dict.fromkeys(b"0123456789", 2), ord("-"): 2}
# The most a gate's byte classes may weigh: past it, ordinary text collapses to the
# window often and each collapse costs a confirmation (measured: the ten needles of
# base64, archives, JSON escapes and hex weigh 71; 27 needles in one gate made the
# pure-Python prefilter 12 times slower on flask's history). Needles that do not fit
# go to the next gate of the chain.
_GATE_MAX_WEIGHT = 72
_SEARCH_BUDGET = 20000  # visits of _choose_windows' search
_MEMO_ENTRIES = 64  # needle lists whose windows the user cache keeps


class CollapsedGate:
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

    def __init__(self, needles: list[bytes], checks: Mapping[bytes, Check] | None = None
                 ) -> None:
        """checks: needles that count only where their check says so (the base64 of
        a prefix, where a key's body can follow it)."""
        self.needles = list(dict.fromkeys(needles))
        self.checks = checks or {}
        long = [n for n in self.needles if len(n) >= 3]
        cls = _windows_for(long)
        self.table = bytes(cls.get(b, 0) for b in range(256))
        # (needle, offset of a collapsed window) for confirming a hit in place
        self.windows = [(n, o) for n in long for o in range(len(n) - 2)
                        if n[o:o + 3].translate(self.table) == b"\1\2\3"]
        placed_needles = {n for n, _ in self.windows}
        self.extra = [n for n in self.needles if n not in placed_needles]
        # Needles whose windows cannot agree with these get a gate of their own (one
        # more translate and find) rather than a `find` each.
        self.rest: CollapsedGate | None = None
        if placed_needles and sum(len(n) >= 3 for n in self.extra) >= 2:
            self.rest = CollapsedGate(self.extra, self.checks)
            self.extra = []

    def hits(self, data: bytes) -> bool:
        """True when any needle occurs in data."""
        if not self.windows:
            return any(self._occurs(data, n) for n in self.extra)
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
                       and self._counts(needle, data, at - off)
                       for needle, off in self.windows):
                    return True
                confirmed += 1
                pos = mapped.find(b"\1\2\3", pos + 1)
            if confirmed >= 32:
                return any(self._occurs(data, n) for n in self.needles)
        if self.rest is not None:
            return self.rest.hits(data)
        return any(self._occurs(data, n) for n in self.extra)

    def _counts(self, needle: bytes, data: bytes, pos: int) -> bool:
        check = self.checks.get(needle)
        return check is None or check(data, pos)

    def _occurs(self, data: bytes, needle: bytes) -> bool:
        return occurs(data, needle, self.checks.get(needle))


def occurs(data: bytes, needle: bytes, check: Check | None, start: int = 0,
           end: int | None = None) -> bool:
    """needle occurs in data[start:end] where it counts (where its check, if it has
    one, says yes)."""
    end = len(data) if end is None else end
    pos = data.find(needle, start, end)
    if check is None:
        return pos >= 0
    while pos >= 0:
        if check(data, pos):
            return True
        pos = data.find(needle, pos + 1, end)
    return False


def _weight(cls: dict[int, int]) -> int:
    # `find` stops at every byte of the window's last class: those count double.
    return sum(_GATE_WEIGHT.get(b, 1) * (2 if c == 3 else 1) for b, c in cls.items())


# _choose_windows' answers, by needle list, kept in the user cache: the search costs
# about 15 ms for the engine's gate chains, the same on every run (a tenth of a clean
# pre-commit run). Safe whatever the file holds: any byte classes make a correct gate
# (every window that collapses is confirmed with its real needle, and a needle without
# a collapsing window is searched on its own), only a slower or faster one.
_memo: dict[tuple[bytes, ...], dict[int, int]] | None = None


def _memo_name() -> str:
    """Named after the search's parameters: other weights, other answers."""
    from zlib import crc32

    params = repr((sorted(_GATE_WEIGHT.items()), _GATE_MAX_WEIGHT, _SEARCH_BUDGET))
    return f"gate-windows-{crc32(params.encode()):08x}"


def _windows_for(long: list[bytes]) -> dict[int, int]:
    """_choose_windows(long), from the user cache when this list was searched before."""
    from psguard.usercache import memo_table, store_memo_table

    global _memo
    if _memo is None:
        _memo = memo_table(_memo_name())
    key = tuple(long)
    cls = _memo.get(key)
    if isinstance(cls, dict) and all(
            isinstance(b, int) and 0 <= b < 256 and c in (1, 2, 3) for b, c in cls.items()):
        return cls
    cls = _choose_windows(long)
    if len(_memo) >= _MEMO_ENTRIES:  # rule sets come and go: keep the table small
        _memo.clear()
    _memo[key] = cls
    store_memo_table(_memo_name(), _memo)
    return cls


def _choose_windows(long: list[bytes], budget: int = _SEARCH_BUDGET) -> dict[int, int]:
    """The byte classes of one 3-byte window a needle, all windows agreeing: as many
    needles placed as possible, then the rarest bytes. A depth-first search that
    prunes a branch once its classes weigh no less than the best complete choice (the
    weight only grows as windows are added): a whole product of window offsets cost
    0.36 s for ten needles, paid by every engine built."""
    best: list[tuple[int, int, dict[int, int]]] = []
    visits = 0

    def visit(i: int, cls: dict[int, int], placed: int, weight: int) -> None:
        nonlocal visits
        visits += 1
        if best and placed + (len(long) - i) < best[0][0]:
            return  # cannot place as many needles as the best already does
        if best and placed + (len(long) - i) == best[0][0] and weight >= best[0][1]:
            return  # as many at best, and already no lighter
        if i == len(long) or visits > budget:
            if not best or (placed, -weight) > (best[0][0], -best[0][1]):
                best[:] = [(placed, weight, dict(cls))]
            return
        fitted = False
        needle = long[i]
        for off in range(len(needle) - 2):
            window = needle[off:off + 3]
            if len(set(window)) == 3 and all(cls.get(b, k + 1) == k + 1
                                             for k, b in enumerate(window)):
                added = {b: k + 1 for k, b in enumerate(window) if b not in cls}
                more = _weight(added)  # the weight grows by the new bytes' alone
                if weight + more > _GATE_MAX_WEIGHT:
                    continue
                fitted = True
                visit(i + 1, {**cls, **added}, placed + 1, weight + more)
        if not fitted:  # no window of this needle agrees: it is searched on its own
            visit(i + 1, cls, placed, weight)

    visit(0, {}, 0, 0)
    return best[0][2] if best else {}

