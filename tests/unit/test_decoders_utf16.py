"""psguard.decoders.utf16 on its own."""

from __future__ import annotations

from psguard.decoders.base import Budget, DecodeLimits
from psguard.decoders.utf16 import Utf16Decoder
from psguard.models import Origin
from psguard.testing import PREFIX, make_key

ORIGIN = Origin(kind="file", path="f")
DECODER = Utf16Decoder((PREFIX.encode(),))


def test_a_utf16le_key_is_decoded_and_mapped_to_its_utf16_offset() -> None:
    key = make_key()
    data = f"KEY={key}\n".encode("utf-16-le")
    assert DECODER.triggered(data, 0)
    decoded = list(DECODER(data, ORIGIN, Budget(DecodeLimits())))
    assert [d.label for d in decoded] == ["utf-16le"]
    dec = decoded[0]
    assert dec.data == f"KEY={key}\n".encode()
    assert dec.to_parent(dec.data.find(key.encode())) == 8  # 4 characters, 2 bytes each


def test_big_endian_with_a_byte_order_mark_is_read_once_after_the_mark() -> None:
    key = make_key()
    data = b"\xfe\xff" + f"k={key}".encode("utf-16-be")
    decoded = list(DECODER(data, ORIGIN, Budget(DecodeLimits())))
    assert [(d.label, d.data) for d in decoded] == [("utf-16be", f"k={key}".encode())]
    assert decoded[0].to_parent(2) == 2 + 4  # after the mark, 2 characters in


def test_plain_text_is_not_triggered_and_a_large_text_past_the_budget_is_reported() -> None:
    key = make_key()
    assert not DECODER.triggered(f"KEY={key}\n".encode(), 0)
    data = f"KEY={key}\n".encode("utf-16-le") * 100
    budget = Budget(DecodeLimits(max_expanded=len(data) - 1))
    assert list(DECODER(data, ORIGIN, budget)) == []
    assert "UTF-16 text larger than the decode budget" in budget.problems[0].detail
