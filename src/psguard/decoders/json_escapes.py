"""JSON string escapes (`\\u002d`, `\\/`): keys written by serializers that escape.

Only JSON documents (notebooks included) are decoded: data that starts, after
whitespace, with `{` or `[` and holds a `\\u00` escape. The decoded text maps back
to the escapes' place in the outer text, so line and column point there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from psguard.decoders.base import NO_CHECKS, Budget, Decoded, skip_space, substitute
from psguard.models import Origin

# Patterns compiled at first use (re's cache), not at import: every hook run imports
# the decoders, few decode anything.
_JSON_ESCAPE = rb'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))'
_JSON_SIMPLE = {b'"': '"', b"\\": "\\", b"/": "/", b"b": " ", b"f": " ", b"n": " ",
                b"r": " ", b"t": " "}
LABEL = "json-escape"


def looks_json(data: bytes, start: int) -> bool:
    return data[start:start + 1] in (b"{", b"[")


class JsonEscapeDecoder:
    """Replaces a JSON document's escapes by what they stand for; in any other text
    too (Java `.properties`, JavaScript, Python sources) when a rule prefix's last
    character is written as a `\\uXXXX` escape (`ps\\u002d…`, `\\u0070\\u0073\\u002d…`)."""

    anywhere: tuple[bytes, ...] = (b"\\u00",)  # triggered is False unless it occurs
    exclusive = False
    checks = NO_CHECKS  # every needle counts wherever it occurs

    def __init__(self, prefixes: tuple[bytes, ...]) -> None:
        self.prefixes = prefixes
        # `\\u002d` and `\\u002D` for `ps-`: the escape of the prefix's last character.
        escapes = {f"\\u{p[-1]:04x}" for p in prefixes if p}
        self.needles = tuple(sorted(form.encode() for e in escapes
                                    for form in (e, e[:2] + e[2:].upper())))

    def triggered(self, data: bytes, start: int) -> bool:
        # looks_json, inline: this runs for every chunk.
        return data[start:start + 1] in (b"{", b"[") and data.find(b"\\u00") >= 0

    def __call__(self, data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
        """JSON documents (notebooks included) with `\\uXXXX` escapes."""
        if ((not looks_json(data, skip_space(data, 0)) or data.find(b"\\u00") < 0)
                and not any(data.find(n) >= 0 for n in self.needles)):
            return
        if len(data) > budget.remaining:
            budget.problem(origin, "JSON document larger than the decode budget; its "
                                   "\\u escapes were not decoded")
            return
        done = substitute(data, re.compile(_JSON_ESCAPE), _json_text)
        if done is None:
            return
        out, offsets = done
        if not any(out.find(p) >= 0 for p in self.prefixes):
            return
        budget.expanded += len(out)
        yield Decoded(out, LABEL, offsets, lines_from_parent=True)


def _json_text(m: re.Match[bytes]) -> bytes:
    """What one JSON escape stands for (control characters and lone surrogates: a space)."""
    if m.group(1) is not None:
        code = int(m.group(1), 16)
        text = " " if code < 0x20 or 0xD800 <= code <= 0xDFFF else chr(code)
    else:
        text = _JSON_SIMPLE[m.group(2)]
    return text.encode("utf-8")
