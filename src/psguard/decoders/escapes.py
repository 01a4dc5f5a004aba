"""Escapes that hide a key's characters in text, undone in place: quoted-printable
soft line breaks (a key cut by `=` and a line break in an e-mail), HTML and XML
character references (`ps&#45;…`, `&#112;&#115;&#45;…`), C, JavaScript and Python
byte escapes (`\\x70\\x73\\x2d…`, octal `\\160\\163\\055…`, and `p\\x00s\\x00-…`, the
repr of UTF-16 bytes), and percent-encoding of every byte (`%70%73%2D…`).

Each is gated by needles that the escaped form of a rule prefix must contain: the
escape of the prefix's last character (what an encoder that escapes everything, or
only punctuation, writes), or for quoted-printable a `Content-Transfer-Encoding:
quoted-printable` header and a soft break. Data without them costs nothing here. The
whole chunk is then decoded at once, within the decode budget, and the decoded text
maps back to the escapes, so line and column point at the escaped text in the outer
content, as for JSON escapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from psguard.decoders.base import NO_CHECKS, Budget, Decoded, substitute
from psguard.models import Origin

QP_LABEL = "quoted-printable"
HTML_LABEL = "html-entity"
BACKSLASH_LABEL = "backslash-escape"
PERCENT_LABEL = "percent"
LABELS = frozenset({QP_LABEL, HTML_LABEL, BACKSLASH_LABEL, PERCENT_LABEL})

# Compiled at first use (Unescaper.pattern), not at import: a clean scan never decodes.
_QP = rb"=(?:\r?\n|([0-9A-Fa-f]{2}))"
_HTML = rb"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));?|&(quot|amp|lt|gt|apos);"
_BACKSLASH = rb"\\(?:x([0-9a-fA-F]{2})|([0-7]{3}))"
_PERCENT = rb"%([0-9a-fA-F]{2})"


@cache
def _compiled(source: bytes) -> re.Pattern[bytes]:
    return re.compile(source)
_NAMED = {b"quot": b'"', b"amp": b"&", b"lt": b"<", b"gt": b">", b"apos": b"'"}


class Unescaper:
    """Replaces every match of `pattern` in the chunk by what it stands for."""

    exclusive = False
    anywhere: tuple[bytes, ...] = ()
    checks = NO_CHECKS  # every needle counts wherever it occurs
    label = ""
    source: bytes = _PERCENT  # the escapes' regex

    @property
    def pattern(self) -> re.Pattern[bytes]:
        return _compiled(self.source)

    def __init__(self, prefixes: tuple[bytes, ...], needles: tuple[bytes, ...]) -> None:
        self.prefixes = prefixes
        self.needles = needles
        # What the decoded text must hold to be worth scanning: a prefix, or its UTF-16
        # form (read by the UTF-16 decoder at the next level).
        self.wanted_out = prefixes + tuple(b"\0".join(bytes([c]) for c in p)
                                           for p in prefixes)

    def triggered(self, data: bytes, start: int) -> bool:
        return False  # the needles alone open it

    def wanted(self, data: bytes) -> bool:
        return any(data.find(n) >= 0 for n in self.needles)

    def replace(self, m: re.Match[bytes]) -> bytes:
        return bytes([int(m.group(1), 16)])

    def __call__(self, data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
        if not self.wanted(data):
            return
        if len(data) > budget.remaining:
            budget.problem(origin, f"text larger than the decode budget; its {self.label} "
                                   "escapes were not decoded")
            return
        done = substitute(data, self.pattern, self.replace)
        if done is None:
            return
        out, offsets = done
        if not any(out.find(p) >= 0 for p in self.wanted_out):
            return
        budget.expanded += len(out)
        yield Decoded(out, self.label, offsets, lines_from_parent=True)


class QuotedPrintableDecoder(Unescaper):
    """Soft line breaks (`=` before a line end) and `=XX` bytes, in e-mails and MIME
    parts of any line length: a key longer than what is left of a 76-character line
    is cut in two."""

    label = QP_LABEL
    source = _QP
    # The part's header: a soft break alone (`=` at a line end) is in every
    # reStructuredText heading, so it cannot open the gate on its own.
    anywhere: tuple[bytes, ...] = (b"uoted-printable", b"UOTED-PRINTABLE")

    def __init__(self, prefixes: tuple[bytes, ...]) -> None:
        # No needles: the forms of a prefix cut by a soft break hold `=` and a line end,
        # bytes too common for the prefilter's collapsed gates.
        super().__init__(prefixes, ())

    def triggered(self, data: bytes, start: int) -> bool:
        """A quoted-printable header and a soft break."""
        return ((data.find(b"uoted-printable") >= 0 or data.find(b"UOTED-PRINTABLE") >= 0)
                and (data.find(b"=\n") >= 0 or data.find(b"=\r\n") >= 0))

    def wanted(self, data: bytes) -> bool:
        return super().wanted(data) or self.triggered(data, 0)

    def replace(self, m: re.Match[bytes]) -> bytes:
        return b"" if m.group(1) is None else bytes([int(m.group(1), 16)])


def _html_forms(c: int) -> tuple[bytes, ...]:
    return (b"&#%d;" % c, b"&#x%x;" % c, b"&#x%X;" % c)


class HtmlEntityDecoder(Unescaper):
    """Numeric character references, decimal or hex, and the five XML entities."""

    label = HTML_LABEL
    source = _HTML

    def __init__(self, prefixes: tuple[bytes, ...]) -> None:
        super().__init__(prefixes, tuple(sorted({f for p in prefixes if p
                                                 for f in _html_forms(p[-1])})))

    def replace(self, m: re.Match[bytes]) -> bytes:
        if m.group(3) is not None:
            return _NAMED[m.group(3)]
        code = int(m.group(1), 16) if m.group(1) is not None else int(m.group(2))
        if code < 0x20 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return b" "
        return chr(code).encode("utf-8")


class BackslashEscapeDecoder(Unescaper):
    """`\\xHH` and three-digit octal `\\ooo` byte escapes (C, JavaScript, Python, shell
    `$'…'`); a NUL byte stays a NUL byte, so the repr of UTF-16 bytes decodes to
    UTF-16, which the UTF-16 decoder reads at the next level."""

    label = BACKSLASH_LABEL
    source = _BACKSLASH

    def __init__(self, prefixes: tuple[bytes, ...]) -> None:
        forms: set[bytes] = set()
        for p in prefixes:
            if p:
                forms.update((b"\\x%02x" % p[-1], b"\\x%02X" % p[-1], b"\\%03o" % p[-1],
                              b"\\x00".join(bytes([c]) for c in p)))
        super().__init__(prefixes, tuple(sorted(forms)))

    def replace(self, m: re.Match[bytes]) -> bytes:
        if m.group(1) is not None:
            return bytes([int(m.group(1), 16)])
        return bytes([int(m.group(2), 8) & 0xFF])


class PercentDecoder(Unescaper):
    """Percent-encoding of every byte, `-` included (`%70%73%2D…`): what encoders that
    escape all but letters and digits, or everything, write."""

    label = PERCENT_LABEL
    source = _PERCENT

    def __init__(self, prefixes: tuple[bytes, ...]) -> None:
        super().__init__(prefixes, tuple(sorted({f for p in prefixes if p
                                                 for f in (b"%%%02x" % p[-1],
                                                           b"%%%02X" % p[-1])})))
