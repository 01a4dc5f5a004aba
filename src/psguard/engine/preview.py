"""Previews: the line around a key, with every key on it redacted in every form.

A preview (Candidate.masked_line) is what reports print under a place. It must not
show any key, the candidate's or another one on the same line, raw or in a form that
decodes to it. Three layers, so that one missed form is caught by the next:

1. the spans of every candidate found in the same content, for decoded keys the span
   of the encoded text they were decoded from (the engine knows them; a span is
   widened to the whole run of encoded characters around it);
2. every key-shaped token of any rule, found or not (low confidence, filtered);
3. every run that decodes to a key-shaped token: base64/base64url at any alignment,
   percent-encoding, `\\u`/`\\x`/octal escapes, HTML character references, UTF-16,
   nested up to three levels, whether psguard's decoders would have looked there or not.

Only a window around the key is rendered (lines can be megabytes long); a token or run
cut by the window's edge is dropped rather than shown in part.
"""

from __future__ import annotations

import binascii
import bisect
import re

from psguard.models import Candidate, redact
from psguard.rules.model import Rule

WINDOW = 80  # bytes either side of the key
_ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_ENCODED = frozenset(_ALNUM + b"+/=_-%\\")  # what an encoded span is widened over
_TOKENISH = frozenset(_ALNUM + b"+/=_-%\\&#;.~")  # trimmed where the window cuts
_B64_RUN = re.compile(rb"[A-Za-z0-9+/_-]{12,}={0,2}")
_ESCAPED_RUN = re.compile(rb"(?:[A-Za-z0-9_.~-]|%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}"
                          rb"|\\x[0-9A-Fa-f]{2}|\\[0-7]{3}|\\/|&#[0-9]{1,7};"
                          rb"|&#[xX][0-9A-Fa-f]{1,6};)+")
_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})|\\u([0-9A-Fa-f]{4})|\\x([0-9A-Fa-f]{2})"
                     rb"|\\([0-7]{3})|\\(/)|&#([0-9]{1,7});|&#[xX]([0-9A-Fa-f]{1,6});")
_UTF16_RUN = re.compile(rb"(?:[\x21-\x7e]\x00){6,}[\x21-\x7e]?|(?:\x00[\x21-\x7e]){6,}")
_TO_STD = bytes.maketrans(b"-_", b"+/")
_DEPTH = 3

Span = tuple[int, int, str]  # start, end, what to print instead


def _unescape_one(m: re.Match[bytes]) -> bytes:
    hexa, uni, hx, octal, slash, dec, hexref = m.groups()
    if slash is not None:
        return b"/"
    if octal is not None:
        code = int(octal, 8)
    elif dec is not None:
        code = int(dec)
    else:
        code = int(hexa or uni or hx or hexref, 16)
    return chr(code).encode("utf-8", "replace") if code < 0x110000 else b"?"


def _b64_decodings(run: bytes) -> list[bytes]:
    """The run decoded from each of the four alignments (those that decode)."""
    text = run.rstrip(b"=").translate(_TO_STD)
    out = []
    for align in range(4):
        part = text[align:]
        part = part[: len(part) - len(part) % 4 if len(part) % 4 == 1 else len(part)]
        try:
            out.append(binascii.a2b_base64(part + b"=" * (-len(part) % 4)))
        except binascii.Error:
            continue
    return out


def _printable(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").replace("\r", "").replace("\t", " ")
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text)


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for s, e, label in sorted(spans):
        if out and s < out[-1][1]:
            ps, pe, plabel = out[-1]
            out[-1] = (ps, max(pe, e), plabel)
        else:
            out.append((s, e, label))
    return out


class Previewer:
    """Builds previews for the candidates found in one piece of content."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules
        self.by_id = {r.id: r for r in rules}
        body: set[int] = set()
        for r in rules:
            body |= r.body_byte_set
        self.trim = frozenset(body) | _TOKENISH

    # -- layer 3: runs that decode to a key ------------------------------------------

    def key_in(self, data: bytes, depth: int = _DEPTH, *, loose: bool = False) -> str | None:
        """The redacted form of a key-shaped token in data or in what it decodes to.
        Text needs a token as long as layer 2 masks; bytes decoded from base64 need
        only the prefix and one body character (random base64 decodes to that with a
        chance of about 2**-30 a position, so this costs no real preview anything)."""
        for rule in self.rules:
            prefix = rule.prefix.encode()
            least = 1 if loose else min(rule.min_length, 8)
            pos = data.find(prefix)
            while pos >= 0:
                end = pos + len(prefix)
                while end < len(data) and data[end] in rule.body_byte_set:
                    end += 1
                if end - pos - len(prefix) >= least:
                    token = data[pos:end].decode("ascii")
                    return redact(token, rule.prefix) if len(token) - len(prefix) >= 8 \
                        else rule.prefix + "…"
                pos = data.find(prefix, pos + 1)
        if depth == 0:
            return None
        variants = []
        if b"\0" in data:
            variants.append(data.replace(b"\0", b""))
        if _ESCAPE.search(data):
            variants.append(_ESCAPE.sub(_unescape_one, data))
        for variant in variants:
            found = self.key_in(variant, depth - 1, loose=loose)
            if found:
                return found
        for m in _B64_RUN.finditer(data):
            for decoded in _b64_decodings(m.group()):
                found = self.key_in(decoded, depth - 1, loose=True)
                if found:
                    return found
        return None

    def _encoded_runs(self, gap: bytes) -> list[Span]:
        spans: list[Span] = []
        for pattern, needs_escape in ((_ESCAPED_RUN, True), (_B64_RUN, False),
                                      (_UTF16_RUN, False)):
            for m in pattern.finditer(gap):
                run = m.group()
                if needs_escape and not _ESCAPE.search(run):
                    continue  # plain text: layer 2 has masked any key in it
                found = self.key_in(run)
                if found:
                    spans.append((m.start(), m.end(), f"[encoded {found}]"))
        return _merge(spans)

    def _scrub(self, gap: bytes) -> str:
        pieces = []
        cursor = 0
        for s, e, label in self._encoded_runs(gap) if len(gap) >= 8 else []:
            pieces += [_printable(gap[cursor:s]), label]
            cursor = e
        pieces.append(_printable(gap[cursor:]))
        return "".join(pieces)

    # -- layers 1 and 2, and the window ------------------------------------------------

    def spans_of(self, data: bytes, cands: list[Candidate]) -> list[Span]:
        """Layer 1: what to print instead of each candidate's text in data."""
        spans = []
        for c in cands:
            end = c.span_end
            rule = self.by_id.get(c.rule)
            shown = redact(c.secret, rule.prefix if rule else "ps-")
            if data[c.offset:end] != c.secret.encode():
                how = (c.origin.decoded_from or "encoded").rpartition(" > ")[2]
                shown = f"[{how}: {shown}]"
            spans.append((c.offset, end, shown))
        spans.sort()
        return spans

    def preview(self, data: bytes, c: Candidate, spans: list[Span],
                starts: list[int], widest: int) -> str:
        key_start, key_end = c.offset, c.span_end
        left = data.rfind(b"\n", max(0, key_start - WINDOW), key_start)
        lo = left + 1 if left >= 0 else max(0, key_start - WINDOW)
        right = data.find(b"\n", key_start, key_end + WINDOW)
        hi = right if right >= 0 else min(len(data), key_end + WINDOW)
        cut_lo = left < 0 and lo > 0
        cut_hi = right < 0 and hi < len(data)
        while cut_lo and lo < key_start and data[lo - 1] in self.trim and data[lo] in self.trim:
            lo += 1  # the tail of a token or run cut by the window
        while cut_hi and hi > key_end and data[hi] in self.trim and data[hi - 1] in self.trim:
            hi -= 1  # and the head of one cut at the other end
        marks: list[Span] = []
        for i in range(bisect.bisect_left(starts, lo - widest), len(spans)):
            s, e, label = spans[i]
            if s >= hi:
                break
            if e > lo:
                marks.append(self._widened(data, max(s, lo), min(e, hi), lo, hi, label))
        window = data[lo:hi]
        for rule in self.rules:
            prefix_len = len(rule.prefix)
            for m in rule.token_re.finditer(window):
                s, e = m.span()
                if e - s - prefix_len >= min(rule.min_length, 8):
                    tail = window[max(s + prefix_len, e - 4):e].decode("ascii")
                    marks.append((lo + s, lo + e, rule.prefix + "…" + tail))
        pieces = ["…"] if cut_lo else []
        cursor = lo
        for s, e, label in _merge(marks):
            pieces += [self._scrub(data[cursor:s]), label]
            cursor = e
        pieces.append(self._scrub(data[cursor:hi]))
        if cut_hi:
            pieces.append("…")
        return "".join(pieces).strip()

    @staticmethod
    def _widened(data: bytes, s: int, e: int, lo: int, hi: int, label: str) -> Span:
        """An encoded span grows over the run of encoded characters around it."""
        if not label.startswith("["):
            return s, e, label
        while s > lo and data[s - 1] in _ENCODED:
            s -= 1
        while e < hi and data[e] in _ENCODED:
            e += 1
        return s, e, label

    def fill(self, data: bytes, todo: list[Candidate], found: list[Candidate]
             ) -> list[Candidate]:
        """todo, each text candidate given a preview of data that redacts every
        candidate in `found` (all in data's coordinates)."""
        if not any(c.masked_line is None and c.line is not None for c in todo):
            return todo
        spans = self.spans_of(data, found)
        starts = [s for s, _, _ in spans]
        widest = max((e - s for s, e, _ in spans), default=0)
        return [c.replace(masked_line=self.preview(data, c, spans, starts, widest))
                if c.masked_line is None and c.line is not None else c for c in todo]
