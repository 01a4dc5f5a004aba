"""The matching engine: bytes in, candidates out.

A literal prefilter (`bytes.find` of each rule's prefix) rejects almost every chunk
before any regex runs. Around a hit, one greedy, backtracking-free regex takes the
whole token; boundaries, bounds, filters and context are then judged in Python.
"""

from __future__ import annotations

import re
from functools import cache

from psguard.decoders.base import DecodeLimits
from psguard.engine.nested import NestedDecoding, Previews
from psguard.engine.places import KeywordWindow, LineCursor, LocationCap
from psguard.models import Candidate, Chunk, Origin, Problem
from psguard.rules.model import Rule, RuleSet

TYPE_CHECKING = False
if TYPE_CHECKING:
    from psguard.engine.fastgate import FastGate

_CONTEXT_WINDOW = 256  # bytes either side of a candidate searched for keywords
_BINARY_SNIFF = 8000  # like git: a NUL byte in the first 8000 bytes means binary
_VERDICTS = 4096  # bodies whose verdict one scan remembers (a repeated key is judged once)


def looks_binary(data: bytes) -> bool:
    return b"\0" in data[:_BINARY_SNIFF]


class Engine:
    def __init__(self, ruleset: RuleSet, *, decode: bool = True,
                 limits: DecodeLimits | None = None) -> None:
        # Decoders (psguard.decoders): base64, UTF-16, archives, JSON escapes,
        # driven recursively by psguard.engine.nested.
        self.nested = NestedDecoding(ruleset, limits) if decode else None
        if not decode:  # caches key on the rule-set version: "clean" differs without decoding
            ruleset = ruleset.replace(texts=(*ruleset.texts, "nodecode"))
        self.ruleset = ruleset
        self.rules = ruleset.rules
        self.previewer = Previews(self.rules)
        self.fast: FastGate | None = None  # built by scan_gated's first call
        self.fast_built = False

    def scan(self, chunk: Chunk, problems: list[Problem] | None = None) -> list[Candidate]:
        return self.scan_bytes(chunk.data, chunk.origin, problems)

    def may_match(self, data: bytes) -> bool:
        """The prefilter alone: False means no rule can match, plain or decoded."""
        if self.nested is not None:
            return self.nested.may_match_any(data)
        return any(data.find(r.prefix.encode()) >= 0 for r in self.rules)

    def may_match_bulk(self, data: bytes) -> bool:
        """may_match for bulk scans (commit messages in a history): with Hyperscan,
        the fast gate's one pass instead of the pure-Python gates."""
        fast = self._fast()
        if fast is None:
            return self.may_match(data)
        plain, decode = fast.triage(data)
        return plain or decode

    def _fast(self) -> FastGate | None:
        if not self.fast_built:
            # only bulk scans get here: the hooks' path never imports the fast gate
            from psguard.engine.fastgate import FastGate

            self.fast = FastGate.build(self.ruleset, self.nested)
            self.fast_built = True
            if self.fast is not None and self.nested is not None:
                self.nested.triage = self.fast.triage_decoders
        return self.fast

    def scan_gated(self, data: bytes, origin: Origin,
                   problems: list[Problem] | None = None) -> list[Candidate]:
        """scan_bytes behind the prefilter, for bulk scans (history, ranges): with
        Hyperscan, one pass answers the prefilter's questions (fastgate.py); without
        it, the pure-Python gates do. Same candidates either way."""
        fast = self._fast()
        if fast is None:
            if not self.may_match(data):
                return []
            return self.scan_bytes(data, origin, problems)
        plain, which, needles = fast.triage_decoders(data)
        if which and self.nested is not None:
            return self.nested.scan(self.find_plain, data, origin, problems, gate_open=True,
                                    only=which, needles=needles)
        return self.scan_plain(data, origin) if plain else []

    def scan_bytes(self, data: bytes, origin: Origin,
                   problems: list[Problem] | None = None) -> list[Candidate]:
        """Candidates in data and in whatever can be decoded from it. Decode limits
        that were hit are appended to `problems` when given."""
        if self.nested is not None:
            return self.nested.scan(self.find_plain, data, origin, problems)
        return self.scan_plain(data, origin)

    def scan_plain(self, data: bytes, origin: Origin) -> list[Candidate]:
        """Candidates in data itself, with their previews."""
        found = self.find_plain(data, origin)
        return self.previewer.fill(data, found, found)

    def find_plain(self, data: bytes, origin: Origin) -> list[Candidate]:
        """Candidates in data itself, without previews (the caller knows every key
        in the content, decoded ones too, and builds them), at most MAX_PLACES per
        key: linear in data however often a key repeats."""
        found: list[Candidate] = []
        binary: bool | None = None
        cap = LocationCap()
        for rule in self.rules:
            prefix = rule.prefix.encode()
            if data.find(prefix) < 0:
                continue
            # here, not at the top: the filters' patterns cost a clean scan ~3 ms
            from psguard.rules.filters import judge, labelled_id

            lines = LineCursor(data)
            near = KeywordWindow(data, rule.keywords_lower, _CONTEXT_WINDOW)
            verdicts: dict[tuple[str, bool], str | None] = {}  # this rule's, per body
            for match in rule.candidate_re.finditer(data):
                start, end = match.span()
                if (start > 0 and data[start - 1] in rule.body_byte_set) or (
                        start >= 5 and data[start - 5] == 0x58) or (
                        start >= 2 and data[start - 2] in _MARSHAL_SHORT):
                    if binary is None:
                        binary = looks_binary(data)
                    end = token_end(data, start, end, rule, binary)
                    if end < 0:
                        continue  # part of a longer token: `maps-…`, `foo-ps-…`
                body_len = end - start - len(prefix)
                if not rule.min_length <= body_len <= rule.max_length:
                    continue
                body = data[start + len(prefix) : end].decode("ascii")
                context = near.near(start, end)
                if (body, context) in verdicts:
                    confidence = verdicts[body, context]
                else:
                    confidence = judge(rule, body, context)
                    if len(verdicts) < _VERDICTS:
                        verdicts[body, context] = confidence
                if confidence is None or labelled_id(data[max(0, start - 48):start]):
                    continue
                if binary is None:
                    binary = looks_binary(data)
                secret = rule.prefix + body
                key = (rule.id, secret, lines.marked_at(start))
                if not cap.admit(key):
                    continue  # counted: only the line cursor's bytes were looked at
                lines.move(start)
                cap.kept_at(key, len(found))
                found.append(_candidate(rule, secret, origin, start, end, confidence,
                                        lines, binary))
        return cap.finish(found)


_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
# Escapes that end right before a key (searched in the 16 bytes before it): `\u003e`
# (Go's JSON writes `<>&` so, in log lines too), `\x0a`, `%253D` (percent-encoded
# twice: a callback URL inside a URL), and a terminal colour code (`ESC[1m`, written
# raw in CI logs or as `\033[`, `\x1b[`, `\e[` in scripts).
@cache
def _escape_before() -> re.Pattern[bytes]:
    """Compiled at the first candidate that needs it, not at import (every hook run)."""
    return re.compile(
        rb"(?:\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|%25[0-9a-fA-F]{2}"
        rb"|(?:\x1b|\\033|\\x1[bB]|\\e|\\u001[bB])\[[0-9;]{0,12}m)\Z")


_MARSHAL_SHORT = b"zZ"  # marshal's short ASCII strings (.pyc): the type, one length byte
_GLUED_MAX = 64  # bytes looked back at for a field name glued to a key in binary data


def _framing(byte: int) -> bool:
    """A byte that text does not have: control bytes (not tab or line ends) and bytes
    above ASCII (msgpack's str8 marker, pickle's opcodes)."""
    return (byte < 0x20 and byte not in b"\t\n\r") or byte >= 0x7F


def framed_end(data: bytes, start: int, end: int, least: int, binary: bool) -> int | None:
    """Where a length-prefixed string starting at `start` ends, when its length is
    written right before it: a pickle BINUNICODE (`X` and four bytes, then the memo
    opcode `q` glued to the string), or one length byte with framing bytes just
    before it (pickle, msgpack, protobuf strings): equal to the token's length with a
    framing byte among the 32 before, or, in binary data, right after a framing byte
    or a marshal short-string type (a .pyc's constants; then the token is cut to it).
    None when nothing frames it."""
    if start >= 5 and data[start - 5] == 0x58 and binary:
        n = int.from_bytes(data[start - 4:start], "little")
        if least <= n <= end - start:
            return start + n
    n = data[start - 1] if start > 1 else 0
    if not least <= n <= end - start:
        return None
    if n == end - start and any(_framing(b) for b in data[max(0, start - 33):start - 1]):
        return end  # exactly the token, with framing bytes nearby (a protobuf field)
    framing = _framing(data[start - 2]) or data[start - 2] in _MARSHAL_SHORT
    return start + n if binary and framing else None


def token_end(data: bytes, start: int, end: int, rule: Rule, binary: bool) -> int:
    """Where the token found at start..end ends, once framing is accounted for (a
    length written before it may end it sooner), or -1 when it is not a token start."""
    framed = framed_end(data, start, end, len(rule.prefix) + rule.min_length, binary)
    if framed is not None:
        return framed  # a length byte before it: binary framing
    if data[start - 1] not in rule.body_byte_set or boundary_before(data, start, end,
                                                                     rule, binary):
        return end
    return -1


def boundary_before(data: bytes, start: int, end: int, rule: Rule, binary: bool) -> bool:
    """The byte before the prefix is in the key alphabet, yet the token starts here:

    - an escape: `\\nps-…` (JSON, C, Python; `` `n `` PowerShell), `%3Dps-…` / `%22ps-…`
      (percent-encoding, also twice: `%253D`), `=3Dps-…` (quoted-printable), `\\u003e`
      and `\\x0a`, a terminal colour code (`ESC[1m`);
    - a diff marker: `-ps-…` at the start of a line (a removed line in a patch);
    - binary framing (length bytes: see framed_end), and in binary data an SQLite
      serial type for a text of the token's length, or a field name ending in one of
      the rule's keywords (an SQLite row's columns
      `POOLSIDE_API_KEY` and the key, stored back to back).

    Text keeps the rule that a key is a whole token: `maps-…` and `foo-ps-…` never
    match."""
    before = data[start - 1]
    if start > 1 and data[start - 2] in b"\\`" and before in b"nrt":
        return True  # `\n` (JSON, C, Python), `` `n `` (PowerShell)
    if (start > 2 and data[start - 3] in b"%=" and before in _HEX_DIGITS
            and data[start - 2] in _HEX_DIGITS):
        return True
    if _escape_before().search(data, max(0, start - 16), start):
        return True
    if before == 0x2D and (start == 1 or data[start - 2] == 0x0A):
        return True
    if not binary:
        return False
    if before == 2 * (end - start) + 13:
        return True  # an SQLite record's serial type for this text, just before it
    glued = data[max(0, start - _GLUED_MAX):start].lower()
    return any(glued.endswith(k) for k in rule.keywords_lower)


def _candidate(rule: Rule, secret: str, origin: Origin, start: int, end: int,
               confidence: str, lines: LineCursor, binary: bool) -> Candidate:
    """lines: moved to start. Binary content has no line and no column."""
    if binary:
        return Candidate(rule.id, secret, confidence, origin, None, None, start,
                         None, lines.marked, end=end)
    return Candidate(rule.id, secret, confidence, origin, lines.number, lines.column(),
                     start, None, lines.marked, end=end)
