"""The matching engine: bytes in, candidates out.

A literal prefilter (`bytes.find` of each rule's prefix) rejects almost every chunk
before any regex runs. Around a hit, one greedy, backtracking-free regex takes the
whole token; boundaries, bounds, filters and context are then judged in Python.
"""

from __future__ import annotations

from psguard.decoders.base import DecodeLimits
from psguard.engine.nested import NestedDecoding
from psguard.models import Candidate, Chunk, Origin, Problem
from psguard.rules.filters import judge
from psguard.rules.markers import ALLOW_MARKERS
from psguard.rules.model import Rule, RuleSet

_CONTEXT_WINDOW = 256  # bytes either side of a candidate searched for keywords
_PREVIEW_WINDOW = 80  # characters either side of the key in the masked line
_BINARY_SNIFF = 8000  # like git: a NUL byte in the first 8000 bytes means binary


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

    def scan(self, chunk: Chunk, problems: list[Problem] | None = None) -> list[Candidate]:
        return self.scan_bytes(chunk.data, chunk.origin, problems)

    def may_match(self, data: bytes) -> bool:
        """The prefilter alone: False means no rule can match, plain or decoded."""
        if self.nested is not None:
            return self.nested.may_match_any(data)
        return any(data.find(r.prefix.encode()) >= 0 for r in self.rules)

    def scan_bytes(self, data: bytes, origin: Origin,
                   problems: list[Problem] | None = None) -> list[Candidate]:
        """Candidates in data and in whatever can be decoded from it. Decode limits
        that were hit are appended to `problems` when given."""
        if self.nested is not None:
            return self.nested.scan(self.scan_plain, data, origin, problems)
        return self.scan_plain(data, origin)

    def scan_plain(self, data: bytes, origin: Origin) -> list[Candidate]:
        found: list[Candidate] = []
        binary: bool | None = None
        for rule in self.rules:
            prefix = rule.prefix.encode()
            if data.find(prefix) < 0:
                continue
            for match in rule.candidate_re.finditer(data):
                start, end = match.span()
                if (start > 0 and data[start - 1] in rule.body_byte_set
                        and not _after_escape(data, start)):
                    continue  # part of a longer token: `maps-…`, `foo-ps-…`
                body_len = end - start - len(prefix)
                if not rule.min_length <= body_len <= rule.max_length:
                    continue
                body = data[start + len(prefix) : end].decode("ascii")
                confidence = judge(rule, body, _has_context(rule, data, start, end))
                if confidence is None:
                    continue
                if binary is None:
                    binary = looks_binary(data)
                found.append(_candidate(rule, data, origin, start, end, confidence, binary))
        return found


def _after_escape(data: bytes, start: int) -> bool:
    """`\\nps-…` in a JSON, C or Python string: the `n` belongs to an escape."""
    return start > 1 and data[start - 2] == 0x5C and data[start - 1] in b"nrt"


def _line_bounds(data: bytes, start: int, end: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, start) + 1
    line_end = data.find(b"\n", end)
    return line_start, len(data) if line_end < 0 else line_end


def _has_context(rule: Rule, data: bytes, start: int, end: int) -> bool:
    if not rule.keywords_lower:
        return False
    window = data[max(0, start - _CONTEXT_WINDOW) : end + _CONTEXT_WINDOW].lower()
    return any(k in window for k in rule.keywords_lower)


def _candidate(
    rule: Rule, data: bytes, origin: Origin, start: int, end: int, confidence: str, binary: bool
) -> Candidate:
    secret = data[start:end].decode("ascii")
    line_start, line_end = _line_bounds(data, start, end)
    line_bytes = data[line_start:line_end]
    suppressed = any(marker in line_bytes for marker in ALLOW_MARKERS)
    if binary:
        return Candidate(rule.id, secret, confidence, origin, None, None, start,
                         None, suppressed)
    line = data.count(b"\n", 0, start) + 1
    prefix_text = data[line_start:start].decode("utf-8", errors="replace")
    column = len(prefix_text) + 1
    return Candidate(rule.id, secret, confidence, origin, line, column, start,
                     mask_line(rule, line_bytes, start - line_start), suppressed)


def mask_line(rule: Rule, line: bytes, key_offset: int) -> str:
    """The line around the key, with every key-shaped token on it redacted.

    Only a window around the key is rendered (lines can be megabytes long). A token
    cut by the window's edge is dropped rather than shown in part, and every token
    that could be a key is masked, not only this candidate, so no part of any key
    leaks through the preview.
    """
    body = rule.body_byte_set
    prefix = rule.prefix.encode()
    key_end = key_offset + len(prefix)
    while key_end < len(line) and line[key_end] in body:
        key_end += 1
    lo = max(0, key_offset - _PREVIEW_WINDOW)
    hi = min(len(line), key_end + _PREVIEW_WINDOW)
    while 0 < lo < key_offset and line[lo - 1] in body and line[lo] in body:
        lo += 1  # skip the tail of a token cut by the window
    while key_end < hi < len(line) and line[hi] in body and line[hi - 1] in body:
        hi -= 1  # and the head of one cut at the other end
    window = line[lo:hi]
    pieces: list[str] = ["…"] if lo else []
    cursor = 0
    for match in rule.token_re.finditer(window):
        s, e = match.span()
        if e - s - len(prefix) < min(rule.min_length, 8):
            continue
        pieces.append(_printable(window[cursor:s]))
        pieces.append(rule.prefix + "…" + window[max(s + len(prefix), e - 4) : e].decode())
        cursor = e
    pieces.append(_printable(window[cursor:]))
    if hi < len(line):
        pieces.append("…")
    return "".join(pieces).strip()


def _printable(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").replace("\r", "").replace("\t", " ")
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text)
