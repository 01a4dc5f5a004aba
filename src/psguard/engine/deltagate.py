"""The delta-aware scan's question: could anything in these bytes interest the engine?

An object is *quiet* when none of the gate's patterns occurs in it (the rules'
candidate patterns, the decoders' needles and trigger literals: fastgate.py's
database; without Hyperscan the rule prefixes, needles and trigger literals, a
coarser test) and no decoder's look at the start says yes. A quiet object gives no
candidate: the engine's own gate (`Engine.scan_gated`) rules it out, with either
prefilter.

Every pattern is at most `window` + 1 bytes long, so for a delta on a quiet base,
an occurrence in the result lies inside a fresh range (git/packwalk.py): the result
is quiet when no fresh range holds one and its start triggers nothing. Only then is
it skipped; anything else is scanned whole, exactly as the cat-file path scans it.
"""

from __future__ import annotations

import contextlib
from typing import Any

from psguard.decoders.base import skip_space
from psguard.engine.engine import Engine
from psguard.engine.prefilter import CollapsedGate


class DeltaGate:
    def __init__(self, engine: Engine) -> None:
        from psguard.engine.fastgate import FastGate, available

        nested = engine.nested
        lengths = [len(r.prefix) + r.min_length for r in engine.rules]
        literals = [r.prefix.encode() for r in engine.rules]
        # start-only triggers: asked of the whole object, they look at its start
        self.start_triggers = []
        if nested is not None:
            for dec in nested.decoders:
                literals.extend(dec.needles)
                literals.extend(dec.anywhere)
                if not dec.anywhere:
                    self.start_triggers.append(dec.triggered)
        lengths.extend(len(x) for x in literals)
        if nested is not None:  # a checked needle's pattern reaches past the needle
            lengths.extend(c.span for c in nested.checks.values())
        self.window = max(lengths, default=1) - 1
        self._fast: FastGate | None = None
        self._db: Any = None
        self._terminated: Any = None
        if available():
            self._fast = FastGate(engine.ruleset, nested)
        self._gate = CollapsedGate(literals)
        self._sep = _separator(literals, engine)

    def seen(self, data: bytes) -> bool:
        """True when one of the patterns occurs in data."""
        if self._fast is None:
            return self._gate.hits(data)
        db, scratch = self._database()
        found: list[int] = []
        with contextlib.suppress(self._terminated):  # _stop ends the scan at a match
            db.scan(data, match_event_handler=_stop, context=found, scratch=scratch)
        return bool(found)

    def started(self, data: bytes) -> bool:
        """True when a decoder's look at the start of data says yes."""
        if not data:
            return False
        start = skip_space(data, 0) if data[:1] in (b" ", b"\t", b"\r", b"\n") else 0
        return any(t(data, start) for t in self.start_triggers)

    def quiet(self, data: bytes) -> bool:
        return not self.seen(data) and not self.started(data)

    def quiet_delta(self, data: bytes, fresh: list[tuple[int, int]]) -> bool:
        """Whether a delta's result on a quiet base is quiet, from its fresh ranges."""
        if self.started(data):
            return False
        if not fresh:
            return True
        if self._sep is not None:  # one call for all ranges: no pattern crosses sep
            return not self.seen(self._sep.join([data[a:b] for a, b in fresh]))
        return not any(self.seen(data[a:b]) for a, b in fresh)

    def _database(self) -> tuple[Any, Any]:
        import hyperscan

        assert self._fast is not None
        if self._db is None:
            db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            db.compile(expressions=self._fast.exprs, ids=self._fast.ids,
                       flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(self._fast.exprs))
            self._db = (db, hyperscan.Scratch(db))
            self._terminated = hyperscan.ScanTerminated
        return self._db  # type: ignore[no-any-return]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_db"] = None  # each process compiles its own
        return state


def _stop(pid: int, start: int, end: int, flags: int, found: list[int]) -> bool:
    found.append(pid)
    return True  # one is enough: stop the scan


def _separator(literals: list[bytes], engine: Engine) -> bytes | None:
    """A byte that no pattern can contain, so ranges joined by it match no more than
    the ranges one by one; None when there is none."""
    used: set[int] = set()
    for lit in literals:
        used.update(lit)
    for rule in engine.rules:
        used.update(rule.body_byte_set)
        used.update(rule.prefix.encode())
    for b in (0x0A, 0x00, 0xFF, 0x20):
        if b not in used:
            return bytes([b])
    return next((bytes([b]) for b in range(256) if b not in used), None)
