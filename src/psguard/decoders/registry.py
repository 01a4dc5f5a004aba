"""The decoders, in the order the engine runs them on a chunk.

A new decoder is a module in this package with a class that follows
`psguard.decoders.base.Decoder`, and one line here. Archives come first: when the
data reads as one, its members are the content and the other decoders do not run
on the archive's own bytes.
"""

from __future__ import annotations

from psguard.decoders.archives import ArchiveDecoder
from psguard.decoders.b64 import Base64Decoder
from psguard.decoders.deflate import DeflateDecoder
from psguard.decoders.escapes import (
    BackslashEscapeDecoder,
    HtmlEntityDecoder,
    PercentDecoder,
    QuotedPrintableDecoder,
)
from psguard.decoders.hexes import HexDecoder
from psguard.decoders.json_escapes import JsonEscapeDecoder
from psguard.decoders.utf16 import Utf16Decoder

TYPE_CHECKING = False
if TYPE_CHECKING:
    from psguard.decoders.base import Decoder


def decoders_for(prefixes: tuple[bytes, ...],
                 bodies: dict[bytes, tuple[int, bytes]] | None = None
                 ) -> tuple[Decoder, ...]:
    """Every decoder, set up to look for these rule prefixes in encoded form (bodies:
    each prefix's fewest body bytes and body alphabet, Base64Decoder's)."""
    return (ArchiveDecoder(), DeflateDecoder(), Utf16Decoder(prefixes),
            Base64Decoder(prefixes, bodies), JsonEscapeDecoder(prefixes),
            HexDecoder(prefixes), QuotedPrintableDecoder(prefixes),
            HtmlEntityDecoder(prefixes), BackslashEscapeDecoder(prefixes),
            PercentDecoder(prefixes))
