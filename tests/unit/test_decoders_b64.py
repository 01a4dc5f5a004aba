"""psguard.decoders.b64 and base64_blocks on their own: what the base64 decoder
yields and how its offsets map back to the outer text."""

from __future__ import annotations

import base64

from psguard.decoders.b64 import B64_MAGICS, Base64Decoder
from psguard.decoders.base import Budget, Decoded, DecodeLimits
from psguard.decoders.base64_blocks import collect_wrapped, wrapped_block_at
from psguard.models import Origin
from psguard.testing import PREFIX, make_key

ORIGIN = Origin(kind="file", path="f")
DECODER = Base64Decoder((PREFIX.encode(),))


def decode(data: bytes, limits: DecodeLimits | None = None) -> tuple[list[Decoded], Budget]:
    budget = Budget(limits or DecodeLimits())
    return list(DECODER(data, ORIGIN, budget)), budget


def test_needles_are_the_documented_alignments_and_the_archive_magics() -> None:
    # base64 of the prefix at its three alignments: cHMt, BzL, wcy (URL-safe alike);
    # of its UTF-16 form; and of those three needles again (two layers of base64).
    utf16 = {b"cABzAC", b"AAcwAt", b"wAHMAL"}
    second = {b"Y0hNd", b"NITX", b"jSE10", b"QnpM", b"J6T", b"Cek", b"d2N5", b"dje", b"3Y3"}
    assert set(DECODER.needles) == {b"cHMt", b"BzL", b"wcy", *utf16, *second, *B64_MAGICS}


def test_a_run_decodes_with_an_offset_map_back_to_the_encoded_text() -> None:
    key = make_key()
    lead = b"apiVersion: v1\ndata:\n  env: "
    data = lead + base64.b64encode(f"K={key}\n".encode()) + b"\n"
    decoded, _ = decode(data)
    assert {d.label for d in decoded} == {"base64"}
    dec = decoded[0]  # the window around the first needle: the key's prefix
    off = dec.data.find(key.encode())
    assert off == 2 and dec.lines_from_parent
    # The key starts 2 bytes into the first 3-byte group: character 2 of the run.
    assert dec.to_parent(off) == len(lead) + 2


def test_a_wrapped_file_is_decoded_whole_and_maps_across_line_breaks() -> None:
    key = make_key(64)
    enc = base64.b64encode(("x" * 50 + f"KEY={key}\n").encode())
    lines = [enc[i:i + 76] for i in range(0, len(enc), 76)]
    data = b"\n".join(lines) + b"\n"
    assert wrapped_block_at(data, 0) == 76
    decoded, _ = decode(data)
    dec = next(d for d in decoded if key.encode() in d.data)
    off = dec.data.find(key.encode())  # 54 decoded bytes in: character 72 of the run
    assert dec.to_parent(off) == 72
    # Past the first line, the map skips the newline: character 76 is at outer 77.
    assert dec.to_parent(57) == 77


def test_a_block_longer_than_the_whole_run_limit_is_reported_not_decoded_whole() -> None:
    enc = base64.b64encode(b"\0" * 3000)
    data = b"\n".join(enc[i:i + 64] for i in range(0, len(enc), 64)) + b"\n"
    assert collect_wrapped(data, 0, 64, 1024).cut
    decoded, budget = decode(data, DecodeLimits(max_whole_run=1024))
    assert decoded == []
    assert [p.kind for p in budget.problems] == ["not-scanned"]
    assert "longer than 1024 characters" in budget.problems[0].detail
