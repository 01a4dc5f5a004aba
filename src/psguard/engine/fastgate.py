"""One pass per byte: a Hyperscan database for every question the prefilter asks.

A history scan asks two things of each object: can a rule match it plainly (its
prefix followed by at least `min_length` body bytes: exactly when the rule's
`candidate_re` would find something), and should the decoders look at it (exactly
`NestedDecoding.may_match`)? Without Hyperscan the answers cost a translate and a
`find` per gate, and the candidate check is a second pass; with it, one scan of the
bytes answers both: the rules' candidate patterns, the decoders' needles and the
literals their triggers need (`Decoder.anywhere`) are one database. What only looks
at the start of the data (archive magics, a wrapped base64 file) is asked in Python.

Hyperscan is optional (`pip install psguard[fast]`): without it, or with
PSGUARD_PREFILTER=python in the environment, `FastGate.build` gives None and the
engine keeps its pure-Python gates. Both give the same findings (the tests run both).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from psguard.decoders.base import skip_space
from psguard.engine.prefilter import occurs
from psguard.rules.model import RuleSet

TYPE_CHECKING = False
if TYPE_CHECKING:
    from psguard.decoders.base import NeedleCheck
    from psguard.engine.nested import NestedDecoding

_PLAIN = 0  # pattern ids: a rule's candidate; a decoder needle; a trigger literal
_NEEDLE = 1
_TRIGGER_BASE = 2  # + index of the decoder whose trigger literal it is
_NEEDLE_BASE = 1000  # + index of an unchecked decoder needle (which decoder, which needle)
_CHECKED_BASE = 1 << 16  # + index of a checked needle (its matches are kept, not just seen)
_NONE: frozenset[Any] = frozenset()
_ONLY_PLAIN = {_PLAIN}


def available() -> bool:
    """True when the Hyperscan path can be used (installed, not switched off)."""
    if os.environ.get("PSGUARD_PREFILTER", "").lower() == "python":
        return False
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


def _literal(data: bytes) -> bytes:
    return b"".join(b"\\x%02x" % b for b in data)


def _rule_pattern(prefix: bytes, body: frozenset[int], min_length: int) -> bytes:
    klass = b"[" + b"".join(b"\\x%02x" % b for b in sorted(body)) + b"]"
    return _literal(prefix) + (klass + b"{%d}" % min_length if min_length else b"")


class FastGate:
    """The prefilter's two answers from one Hyperscan scan (see the module doc).

    Holds only its patterns when pickled; each process compiles its own database,
    each thread has its own scratch."""

    def __init__(self, ruleset: RuleSet, nested: NestedDecoding | None) -> None:
        exprs: list[bytes] = []
        ids: list[int] = []
        for rule in ruleset.rules:
            exprs.append(_rule_pattern(rule.prefix.encode(), rule.body_byte_set,
                                       rule.min_length))
            ids.append(_PLAIN)
        self.nested = nested
        # (decoder's trigger, needs a literal seen first): start-only ones are asked always
        self.triggers: list[tuple[Callable[[bytes, int], bool], bool]] = []
        self.needle_of: list[tuple[int, bytes]] = []
        self.checked: list[tuple[int, bytes, NeedleCheck]] = []
        if nested is not None:
            # One id a needle: triage_decoders says which decoders and which needles.
            # A checked needle (nested.checks) is a pattern reaching past it, whose
            # matches are checked where they start.
            for i, dec in enumerate(nested.decoders):
                for needle in dict.fromkeys(dec.needles):
                    check = nested.checks.get(needle)
                    if check is not None:
                        exprs.append(check.pattern)
                        ids.append(_CHECKED_BASE + len(self.checked))
                        self.checked.append((i, needle, check))
                    else:
                        exprs.append(_literal(needle))
                        ids.append(_NEEDLE_BASE + len(self.needle_of))
                        self.needle_of.append((i, needle))
            for i, dec in enumerate(nested.decoders):
                anywhere = dec.anywhere
                for lit in anywhere:
                    exprs.append(_literal(lit))
                    ids.append(_TRIGGER_BASE + i)
                self.triggers.append((dec.triggered, bool(anywhere)))
        self.exprs = exprs
        self.ids = ids
        # the decoders whose trigger looks at the start only (no literal needed first)
        self.start_only = [(i, t) for i, (t, needs) in enumerate(self.triggers) if not needs]
        self._local = threading.local()
        self._db: Any = None

    @classmethod
    def build(cls, ruleset: RuleSet, nested: NestedDecoding | None) -> FastGate | None:
        if not available():
            return None
        return cls(ruleset, nested)

    def __getstate__(self) -> dict[str, Any]:
        return {"exprs": self.exprs, "ids": self.ids, "nested": self.nested,
                "start_only": self.start_only,
                "triggers": self.triggers, "needle_of": self.needle_of,
                "checked": self.checked}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()
        self._db = None

    def _database(self) -> tuple[Any, Any]:
        import hyperscan

        if self._db is None:
            db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            # Checked needles report where they start (to be checked there), so they
            # match more than once; every other pattern's first match is enough.
            flags = [hyperscan.HS_FLAG_SOM_LEFTMOST if i >= _CHECKED_BASE
                     else hyperscan.HS_FLAG_SINGLEMATCH for i in self.ids]
            db.compile(expressions=self.exprs, ids=self.ids, flags=flags)
            self._db = db
        scratch = getattr(self._local, "scratch", None)
        if scratch is None or self._local.pid != os.getpid():
            scratch = hyperscan.Scratch(self._db)
            self._local.scratch = scratch
            self._local.pid = os.getpid()
        return self._db, scratch

    def triage(self, data: bytes) -> tuple[bool, bool]:
        """(can a rule match data plainly, should the decoders look at it): exactly
        what the rules' candidate patterns and NestedDecoding.may_match would say."""
        plain, which, _ = self.triage_decoders(data)
        return plain, bool(which)

    def triage_decoders(self, data: bytes) -> tuple[bool, frozenset[int], frozenset[bytes]]:
        """(can a rule match data plainly, the indices of the decoders that may find
        something in it: their needles occur or their trigger says yes). A decoder left
        out would yield nothing: each decodes only around its needles or on its trigger,
        so running only these saves their own searches (a pass each over the data).
        Third: the needles that occur."""
        db, scratch = self._database()
        seen: set[int] = set()
        spans: list[tuple[int, int, int]] = []
        db.scan(data, match_event_handler=_collect, context=(seen, spans), scratch=scratch)
        plain = _PLAIN in seen
        if self.nested is None or len(data) < 8:
            return plain, _NONE, _NONE
        start = skip_space(data, 0) if data[:1] in (b" ", b"\t", b"\r", b"\n") else 0
        if not spans and (not seen or seen == _ONLY_PLAIN):
            # most blobs: no needle, no trigger literal; only the looks at the start
            started = [i for i, triggered in self.start_only if triggered(data, start)]
            return plain, (frozenset(started) if started else _NONE), _NONE
        found = [self.needle_of[pid - _NEEDLE_BASE] for pid in seen
                 if _NEEDLE_BASE <= pid < _CHECKED_BASE]
        if spans:
            found += self._checked_found(data, spans)
        which = {i for i, _ in found}
        for i, (triggered, needs_literal) in enumerate(self.triggers):
            if i not in which and (not needs_literal or _TRIGGER_BASE + i in seen) and \
                    triggered(data, start):
                which.add(i)
        return plain, frozenset(which), frozenset(n for _, n in found)

    def _checked_found(self, data: bytes, spans: list[tuple[int, int, int]]
                       ) -> list[tuple[int, bytes]]:
        """(decoder, needle) of each checked needle that counts somewhere in these
        matches. Each match is checked at every place its needle occurs in it (the
        pattern reports its leftmost start only), so the answer is the Python gate's."""
        found: dict[tuple[int, bytes], None] = {}
        for pid, start, end in spans:
            i, needle, check = self.checked[pid - _CHECKED_BASE]
            if (i, needle) not in found and occurs(data, needle, check, start, end):
                found[(i, needle)] = None
        return list(found)


def _collect(pid: int, start: int, end: int, flags: int,
             context: tuple[set[int], list[tuple[int, int, int]]]) -> None:
    if pid >= _CHECKED_BASE:
        context[1].append((pid, start, end))
    else:
        context[0].add(pid)
