"""The matching engine: bytes in, candidates out.

A literal prefilter (`bytes.find` of each rule's prefix) rejects almost every chunk
before any regex runs. Around a hit, one greedy, backtracking-free regex takes the
whole token; boundaries, bounds, filters and context are then judged in Python.
"""

from __future__ import annotations

from psguard.decoders.base import DecodeLimits
from psguard.engine.fastgate import FastGate
from psguard.engine.nested import NestedDecoding
from psguard.engine.places import KeywordWindow, LineCursor, LocationCap
from psguard.engine.preview import Previewer
from psguard.models import Candidate, Chunk, Origin, Problem
from psguard.rules.filters import judge
from psguard.rules.model import Rule, RuleSet

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
        self.previewer = Previewer(self.rules)
        self.fast: FastGate | None = None  # built by scan_gated's first call
        self.fast_built = False

    def scan(self, chunk: Chunk, problems: list[Problem] | None = None) -> list[Candidate]:
        return self.scan_bytes(chunk.data, chunk.origin, problems)

    def may_match(self, data: bytes) -> bool:
        """The prefilter alone: False means no rule can match, plain or decoded."""
        if self.nested is not None:
            return self.nested.may_match_any(data)
        return any(data.find(r.prefix.encode()) >= 0 for r in self.rules)

    def scan_gated(self, data: bytes, origin: Origin,
                   problems: list[Problem] | None = None) -> list[Candidate]:
        """scan_bytes behind the prefilter, for bulk scans (history, ranges): with
        Hyperscan, one pass answers the prefilter's questions (fastgate.py); without
        it, the pure-Python gates do. Same candidates either way."""
        if not self.fast_built:
            self.fast = FastGate.build(self.ruleset, self.nested)
            self.fast_built = True
        fast = self.fast
        if fast is None:
            if not self.may_match(data):
                return []
            return self.scan_bytes(data, origin, problems)
        plain, decode = fast.triage(data)
        if decode and self.nested is not None:
            return self.nested.scan(self.find_plain, data, origin, problems, gate_open=True)
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
            lines = LineCursor(data)
            near = KeywordWindow(data, rule.keywords_lower, _CONTEXT_WINDOW)
            verdicts: dict[tuple[str, bool], str | None] = {}  # this rule's, per body
            for match in rule.candidate_re.finditer(data):
                start, end = match.span()
                if (start > 0 and data[start - 1] in rule.body_byte_set
                        and not _after_escape(data, start)):
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
                if confidence is None:
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


def _after_escape(data: bytes, start: int) -> bool:
    """`\\nps-…` in a JSON, C or Python string: the `n` belongs to an escape."""
    return start > 1 and data[start - 2] == 0x5C and data[start - 1] in b"nrt"


def _candidate(rule: Rule, secret: str, origin: Origin, start: int, end: int,
               confidence: str, lines: LineCursor, binary: bool) -> Candidate:
    """lines: moved to start. Binary content has no line and no column."""
    if binary:
        return Candidate(rule.id, secret, confidence, origin, None, None, start,
                         None, lines.marked, end=end)
    return Candidate(rule.id, secret, confidence, origin, lines.number, lines.column(),
                     start, None, lines.marked, end=end)
