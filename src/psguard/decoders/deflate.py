"""zlib streams inside documents and images: PDF `FlateDecode` streams (a runbook
exported to PDF), PNG `zTXt` and compressed `iTXt` text chunks (a screenshot's
metadata), and data that is one zlib stream (`.z` files, `zlib.compress` output
written to disk).

Recognized at the start of the data (`%PDF-`, the PNG signature, a zlib header), so
text costs nothing here. Each stream is inflated into its own coordinates:
`decoded_from` says which (`pdf-stream:3`, `png:zTXt`, `zlib`), and line and column
point into the inflated text. Streams count as archive members and their output
against the expansion budget, as for gzip: past a limit, a `not-scanned` problem says
what was left out (the scan is incomplete) and what fits is scanned. A PDF stream that
does not inflate (an encrypted PDF) is a warning: its bytes were scanned as they are.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from functools import cache

from psguard.decoders.base import NO_CHECKS, Budget, Decoded
from psguard.models import Origin

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_ZLIB_HEADERS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")


@cache
def _stream() -> re.Pattern[bytes]:  # at first use: a clean scan never decodes
    return re.compile(rb"stream\r?\n")
_DICT_BACK = 2048  # bytes looked back from `stream` for the object's /Filter


def zlib_header(data: bytes) -> bool:
    """The two header bytes zlib writes (32 KB window, each compression level): other
    windows are legal but rare, and their first bytes (`(`, `8`, `H`, `X`, `h`) start
    many text files."""
    return data.startswith(_ZLIB_HEADERS)


class DeflateDecoder:
    """The zlib streams of a PDF or PNG file, or of a file that is one zlib stream."""

    needles: tuple[bytes, ...] = ()  # recognized at the start only
    anywhere: tuple[bytes, ...] = ()
    exclusive = False  # a PDF's own bytes hold text too
    checks = NO_CHECKS  # every needle counts wherever it occurs

    def triggered(self, data: bytes, start: int) -> bool:
        if data.startswith(PNG_MAGIC):  # most PNGs have no compressed text
            return data.find(b"zTXt") >= 0 or data.find(b"iTXt") >= 0
        return data.startswith(PDF_MAGIC) or zlib_header(data)

    def __call__(self, data: bytes, origin: Origin, budget: Budget) -> Iterator[Decoded]:
        if data.startswith(PDF_MAGIC):
            streams = _pdf_streams(data)
        elif data.startswith(PNG_MAGIC):
            streams = _png_texts(data)
        else:
            streams = [("zlib", 0, True)]
        for label, offset, guess in streams:
            if budget.members >= budget.limits.max_members:
                budget.problem(origin, f"more than {budget.limits.max_members} archive "
                                       f"members; {label} and the rest were not scanned")
                return
            budget.members += 1
            out = _inflate(data, offset, label, origin, budget, guess=guess)
            if out:
                yield Decoded(out, label)


def _inflate(data: bytes, offset: int, label: str, origin: Origin, budget: Budget, *,
             guess: bool) -> bytes | None:
    """The stream at offset, inflated at most to the budget. guess: the data only
    looked like a stream (a zlib header at the start of a file): silent when not."""
    room = budget.remaining
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(memoryview(data)[offset:], room + 1)
    except zlib.error as exc:
        if not guess:
            budget.problem(origin, f"{label} could not be inflated ({exc}); its bytes were "
                                   "scanned as they are", incomplete=False)
        return None
    if len(out) > room or inflater.unconsumed_tail:
        budget.problem(origin, f"{label} expands beyond the decode budget; only the first "
                               f"{room} bytes were scanned")
        out = out[:room]
    budget.expanded += len(out)
    return out


def _pdf_streams(data: bytes) -> list[tuple[str, int, bool]]:
    """(label, offset) of each stream whose dictionary names /FlateDecode."""
    found = []
    for n, m in enumerate(_stream().finditer(data)):
        head = data[max(0, m.start() - _DICT_BACK):m.start()]
        if m.start() >= 3 and data[m.start() - 3:m.start()] == b"end":
            continue  # `endstream`
        dict_start = head.rfind(b"<<")
        if dict_start >= 0 and b"/FlateDecode" in head[dict_start:]:
            found.append((f"pdf-stream:{n + 1}", m.end(), False))
    return found


def _png_texts(data: bytes) -> list[tuple[str, int, bool]]:
    """(label, offset) of the compressed text of each zTXt and compressed iTXt chunk."""
    found = []
    pos = len(PNG_MAGIC)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = pos + 8
        end = min(len(data), body + length)
        if kind in (b"zTXt", b"iTXt"):
            text = _png_text_offset(data, body, end, kind)
            if text is not None:
                found.append((f"png:{kind.decode()}", text, False))
        if kind == b"IEND":
            break
        pos = end + 4  # the CRC
    return found


def _png_text_offset(data: bytes, body: int, end: int, kind: bytes) -> int | None:
    nul = data.find(b"\0", body, end)  # after the keyword
    if nul < 0:
        return None
    if kind == b"zTXt":
        return nul + 2  # the compression method, then the stream
    if data[nul + 1:nul + 2] != b"\x01":
        return None  # iTXt not compressed: the text is plain in the file
    lang = data.find(b"\0", nul + 3, end)
    translated = data.find(b"\0", lang + 1, end) if lang >= 0 else -1
    return translated + 1 if translated >= 0 else None
