"""psguard.decoders.json_escapes on its own."""

from __future__ import annotations

import json

from psguard.decoders.base import Budget, DecodeLimits
from psguard.decoders.json_escapes import JsonEscapeDecoder
from psguard.models import Origin
from psguard.testing import PREFIX, make_key

ORIGIN = Origin(kind="file", path="f")
DECODER = JsonEscapeDecoder((PREFIX.encode(),))


def test_escaped_key_is_unescaped_and_maps_to_its_place_in_the_document() -> None:
    key = make_key()
    escaped = key.replace("-", "\\u002d")
    data = json.dumps({"outputs": ["x"]})[:-1].encode() + b', "k": "' + escaped.encode() + b'"}'
    assert PREFIX.encode() not in data  # only the decoded form holds the prefix
    assert DECODER.triggered(data, 0)
    decoded = list(DECODER(data, ORIGIN, Budget(DecodeLimits())))
    assert [d.label for d in decoded] == ["json-escape"]
    dec = decoded[0]
    off = dec.data.find(key.encode())
    assert dec.to_parent(off) == data.find(b"ps\\u002d")
    # Past the escape, the map follows the outer text again.
    assert dec.to_parent(off + len(key)) == data.find(b'"}')


def test_other_text_is_decoded_only_for_an_escaped_prefix() -> None:
    """A .properties or source file with `ps\\u002d…` is decoded (the needle opens it);
    other escapes outside JSON are left alone."""
    key = make_key()
    data = b"text: " + key.replace("-", "\\u002d").encode()
    assert not DECODER.triggered(data, 0)
    assert any(data.find(n) >= 0 for n in DECODER.needles)
    [dec] = DECODER(data, ORIGIN, Budget(DecodeLimits()))
    assert dec.data == b"text: " + key.encode()
    plain = b"text: caf\\u00e9 " + key.encode()
    assert list(DECODER(plain, ORIGIN, Budget(DecodeLimits()))) == []
