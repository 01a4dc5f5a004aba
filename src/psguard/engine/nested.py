"""Nested decoding: decode, scan what was decoded, bring the candidates home.

After the plain scan of a chunk, the engine asks `NestedDecoding.scan` to look for
content that can hold an encoded key (the decoders of psguard.decoders, in the
registry's order), to scan what they decode with the plain matcher, and to do the
same with that, up to `DecodeLimits.max_depth` levels. Candidates found in decoded
content are relocated to the outer text where that is meaningful (base64 runs, JSON
escapes, UTF-16), keep their own coordinates inside archive members, and carry the
way they were decoded in `Origin.decoded_from` (`zip:app.jar > base64`).

Decoding must not slow the common case: `may_match` is a gate of a few `find`
calls (psguard.engine.prefilter.CollapsedGate for every decoder's needles, plus
each decoder's cheap trigger); a chunk that does not open it is scanned plain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from psguard.decoders.archives import archive_kind
from psguard.decoders.base import Budget, Decoded, DecodeLimits, skip_space
from psguard.decoders.escapes import LABELS as ESCAPES
from psguard.decoders.escapes import Unescaper
from psguard.decoders.json_escapes import LABEL as JSON_ESCAPE
from psguard.decoders.json_escapes import JsonEscapeDecoder
from psguard.decoders.registry import decoders_for
from psguard.engine.places import LineCursor, cap_places
from psguard.engine.prefilter import CollapsedGate
from psguard.models import Candidate, Origin, Problem
from psguard.rules.model import Rule, RuleSet

TYPE_CHECKING = False
if TYPE_CHECKING:
    from psguard.engine.preview import Previewer

PlainScan = Callable[[bytes, Origin], list[Candidate]]
# FastGate.triage_decoders: (a rule may match plainly, decoders to run, needles seen)
Triage = Callable[[bytes], tuple[bool, frozenset[int], frozenset[bytes]]]
Found = list[tuple[Candidate, bool]]  # each with True when in an archive member's coordinates


class Previews:
    """The Previewer (psguard.engine.preview), built at the first candidate: importing
    it compiles its patterns, which a clean scan (every hook run) never needs."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules
        self.built: Previewer | None = None

    def fill(self, data: bytes, todo: list[Candidate], found: list[Candidate]
             ) -> list[Candidate]:
        """Previewer.fill; nothing to fill costs nothing."""
        if not todo:
            return todo
        if self.built is None:
            from psguard.engine.preview import Previewer

            self.built = Previewer(self.rules)
        return self.built.fill(data, todo, found)


class NestedDecoding:
    """Gates, decoders and the recursive scan. Plain data only: picklable."""

    def __init__(self, ruleset: RuleSet, limits: DecodeLimits | None = None) -> None:
        self.limits = limits or DecodeLimits()
        self.prefixes = ruleset.prefixes
        self.previewer = Previews(ruleset.rules)
        self.decoders = decoders_for(self.prefixes, _bodies(ruleset))
        # Escape decoders undo text escapes in place. Their output is not unescaped
        # again: it still holds the other kinds' escapes, and every order of them would
        # be decoded (n! chains) for one text that holds several kinds.
        self.escaping = frozenset(i for i, d in enumerate(self.decoders)
                                  if isinstance(d, (JsonEscapeDecoder, Unescaper)))
        self.escape_free = tuple(d for i, d in enumerate(self.decoders)
                                 if i not in self.escaping)
        self.triggers = tuple(d.triggered for d in self.decoders)
        # For may_match: containers (the exclusive decoders, known by magic bytes at
        # the start) before the collapsed gate, the other triggers only when the gate
        # has not opened: some cost a pass over a long first line (a base64 file).
        self.container_triggers = tuple(d.triggered for d in self.decoders if d.exclusive)
        self.other_triggers = tuple(d.triggered for d in self.decoders if not d.exclusive)
        encoded = [n for d in self.decoders for n in d.needles]
        # A needle counts only where its check says (KeyCheck), unless some decoder
        # looks for it unchecked: a gate must never shut on what a decoder wants.
        unchecked = {n for d in self.decoders for n in d.needles if n not in d.checks}
        self.checks = {n: c for d in self.decoders for n, c in d.checks.items()
                       if n not in unchecked}
        self.gate = CollapsedGate(encoded, self.checks)
        # The engine's prefilter asks about plain prefixes too: one translate for all
        # (a `find` of the prefix alone costs about as much as the whole gate).
        self.any_gate = CollapsedGate(list(self.prefixes) + encoded, self.checks)
        # Set by the engine when it has the one-pass gate (fastgate.py): what a decoder
        # gave is then triaged by it too, not by the Python gates (on coreui's history,
        # archive members through CollapsedGate were a fifth of the scan's CPU).
        self.triage: Triage | None = None

    def may_match(self, data: bytes) -> bool:
        """False when nothing in data can be decoded into a key (the cheap gate).

        Each multi-byte `find` is a full pass over the chunk and costs about as much
        as the plain prefilter itself, so the decoders' needles (the base64 of the
        prefixes and of the archive magics) are searched together by CollapsedGate.
        Everything else is nearly free: the decoders' own triggers (a memchr for NUL
        for UTF-16, and checks at the start of the data for archives, JSON, base64
        files and base64-encoded archives)."""
        if len(data) < 8:
            return False
        # Most chunks start with a non-space byte: no call for them.
        start = skip_space(data, 0) if data[0] in b" \t\r\n" else 0
        # Plain loops, not a helper or any() over a generator: this runs for every
        # chunk, and each call layer would cost more than most triggers do.
        for triggered in self.container_triggers:
            if triggered(data, start):
                return True
        if self.gate.hits(data):
            return True
        for triggered in self.other_triggers:  # noqa: SIM110 (as above)
            if triggered(data, start):
                return True
        return False

    def may_match_any(self, data: bytes) -> bool:
        """The engine's prefilter with decoding on: False when neither a rule prefix
        nor anything decodable into a key can be in data."""
        if self.any_gate.hits(data):
            return True
        if len(data) < 8:
            return False
        start = skip_space(data, 0) if data[0] in b" \t\r\n" else 0  # as in may_match
        for triggered in self.triggers:  # noqa: SIM110 (as in may_match)
            if triggered(data, start):
                return True
        return False

    # -- the recursive scan -------------------------------------------------------

    def scan(self, plain: PlainScan, data: bytes, origin: Origin,
             problems: list[Problem] | None = None, *, gate_open: bool = False,
             only: frozenset[int] | None = None, needles: frozenset[bytes] | None = None
             ) -> list[Candidate]:
        """Candidates in data and in what it decodes to, with their previews; `plain`
        finds candidates in bytes without previews (Engine.find_plain). gate_open:
        the caller knows may_match(data) is True. only: the indices of the decoders
        that may find something in data itself, and needles: the needles that occur
        in it (FastGate.triage_decoders)."""
        if not gate_open and not self.may_match(data):
            # The common case: nothing to decode (plain's own prefilter finds the rest).
            found = plain(data, origin)
            return self.previewer.fill(data, found, found)
        budget = Budget(self.limits)
        if needles is not None:
            budget.needles = (data, needles)
        pairs = _dedup(self._scan(plain, data, origin, 0, budget, gate_open=True, only=only))
        if problems is not None:
            problems.extend(budget.problems)
        here = [c for c, anchored in pairs if not anchored]
        members = [c for c, anchored in pairs if anchored]  # previewed in their member
        # Each decoding capped again: windows of one base64 run overlap.
        return self.previewer.fill(data, cap_places(here), here) + cap_places(members)

    def _scan(self, plain: PlainScan, data: bytes, origin: Origin, depth: int,
              budget: Budget, *, gate_open: bool = False,
              only: frozenset[int] | None = None) -> Found:
        """Candidates, each with True when its position is inside an archive member
        (its own coordinates, which outer levels must not remap). Previews are left
        to the level whose lines a candidate is reported at."""
        if not gate_open and self.triage is not None:
            plain_hit, only, _ = self.triage(data)
            found = [(c, False) for c in plain(data, origin)] if plain_hit else []
            if not only:
                return found
            gate_open = True
        else:
            found = [(c, False) for c in plain(data, origin)]
        binary: bool | None = None
        decoded: Found = []
        for dec in self.decode(data, origin, depth, budget, gate_open=gate_open, only=only):
            label = dec.label
            if origin.decoded_from:
                label = f"{origin.decoded_from} > {label}"
            inner = self._scan(plain, dec.data, origin.replace(decoded_from=label),
                               depth + 1, budget)
            if inner and dec.lines_from_parent and binary is None:
                binary = b"\0" in data[:8000]
            if dec.to_parent is None or not dec.lines_from_parent or binary:
                inner = self._previewed(dec.data, inner)  # shown at the decoded text
            moving: list[Candidate] = []
            for c, anchored in inner:
                if dec.cut and not anchored and c.span_end >= len(dec.data) - 3:
                    continue  # may go on past the window: its own window decodes it whole
                if anchored or dec.to_parent is None:
                    decoded.append((c, True))
                else:
                    moving.append(c)
            if moving:
                decoded += [(c, False) for c in _relocate(moving, dec, data, bool(binary))]
        if decoded:
            found = _uncut(found, decoded)
        if decoded and archive_kind(data) is not None:
            # Stored (uncompressed) members also match in the archive's own bytes;
            # the member is the better location.
            in_members = {c.secret for c, _ in decoded}
            found = [(c, a) for c, a in found if c.secret not in in_members]
        return found + decoded

    def _previewed(self, data: bytes, pairs: Found) -> Found:
        own = [c for c, anchored in pairs if not anchored]
        filled = iter(self.previewer.fill(data, own, own))
        return [(c, True) if anchored else (next(filled), False) for c, anchored in pairs]

    # -- which decoders apply -----------------------------------------------------

    def decode(self, data: bytes, origin: Origin, depth: int, budget: Budget, *,
               gate_open: bool = False, only: frozenset[int] | None = None
               ) -> Iterator[Decoded]:
        """Everything worth decoding in `data`, one level deep, within the budget
        (gate_open: may_match(data) is known to be True)."""
        if not gate_open and not self.may_match(data):
            return  # the common case: a few finds and out
        if depth >= self.limits.max_depth:
            budget.problem(origin, f"nested encodings deeper than {self.limits.max_depth} "
                                   "levels; not decoded further")
            return
        way = origin.decoded_from
        escaped = bool(way) and way is not None and way.rpartition(" > ")[2] in _ESCAPED
        decoders = self.escape_free if escaped else self.decoders
        if only is not None:
            decoders = tuple(d for i, d in enumerate(self.decoders)
                             if i in only and not (escaped and i in self.escaping))
        for decoder in decoders:
            if not decoder.exclusive:
                yield from decoder(data, origin, budget)
                continue
            unpacked = False
            for dec in decoder(data, origin, budget):
                unpacked = unpacked or bool(dec.data)  # a cut-short header inflates to b""
                yield dec
            if unpacked:
                return
            # Not readable as an archive after all (cut short, corrupt, or only made to
            # look like one): decode it like any other content, so that a few magic
            # bytes in front cannot hide an encoded key.


_ESCAPED = ESCAPES | {JSON_ESCAPE}


def _bodies(ruleset: RuleSet) -> dict[bytes, tuple[int, bytes]]:
    """For each prefix: the fewest body bytes of its rules' keys, and every byte a
    body may hold (what the base64 decoder's needle check asks)."""
    shapes: dict[bytes, tuple[int, frozenset[int]]] = {}
    for rule in ruleset.rules:
        prefix = rule.prefix.encode()
        least, body = shapes.get(prefix, (rule.min_length, frozenset()))
        shapes[prefix] = (min(least, rule.min_length), body | rule.body_byte_set)
    return {p: (least, bytes(sorted(body))) for p, (least, body) in shapes.items()}


def _relocate(cands: list[Candidate], dec: Decoded, parent: bytes, parent_binary: bool
              ) -> list[Candidate]:
    """cands, moved from dec's coordinates to the parent's: offset and end (the end of
    the encoded text), and line, column and allow marker there when dec says so. In
    offset order, so that every map and the line cursor run forward once."""
    to_parent = dec.to_parent
    assert to_parent is not None
    wanted = sorted({p for c in cands for p in (c.offset, max(c.offset, c.span_end - 1))})
    where = {p: to_parent(p) for p in wanted}  # ascending: incremental maps stay linear
    moved = sorted(((where[c.offset], c) for c in cands), key=lambda item: item[0])
    lines = LineCursor(parent)
    out = []
    for off, c in moved:
        end = where[max(c.offset, c.span_end - 1)] + 1
        if not dec.lines_from_parent:
            out.append(c.replace(offset=off, end=end))
        elif parent_binary:
            out.append(c.replace(offset=off, end=end, line=None, column=None))
        else:
            lines.move(off)
            out.append(c.replace(offset=off, end=end, line=lines.number,
                                 column=lines.column(),
                                 suppressed=c.suppressed or lines.marked))
    return out


def _uncut(found: Found, decoded: Found) -> Found:
    """found without the plain tokens that are a key cut short: a decoded key starts
    at the same place and goes on (a quoted-printable soft break, an escaped
    character inside the body)."""
    longer: dict[int, list[str]] = {}
    for c, anchored in decoded:
        if not anchored:
            longer.setdefault(c.offset, []).append(c.secret)
    if not longer:
        return found
    return [(c, a) for c, a in found
            if a or not any(s != c.secret and s.startswith(c.secret)
                            for s in longer.get(c.offset, ()))]


def _dedup(found: Found) -> Found:
    """One candidate per place: a key seen plain and through an escape decoder at the
    same offset is one occurrence (kept plain, at the higher confidence)."""
    if len(found) < 2:
        return found
    best: dict[tuple[object, ...], tuple[Candidate, bool]] = {}
    for c, anchored in found:
        how = c.origin.decoded_from
        if how:  # an escape decoder does not move a key: same place, same occurrence
            how = " > ".join(p for p in how.split(" > ")
                             if p not in _ESCAPED) or None
        key = (c.rule, c.secret, c.offset, c.origin.replace(decoded_from=how), anchored)
        have = best.get(key)
        if have is None:
            best[key] = (c, anchored)
        else:  # the higher confidence; the larger count of places not listed
            kept = have[0]
            if c.confidence_rank > kept.confidence_rank:
                kept = kept.replace(confidence=c.confidence)
            if c.more > kept.more:
                kept = kept.replace(more=c.more)
            best[key] = (kept, anchored)
    return list(best.values())
