"""What every decoder shares: the `Decoded` record, the limits and their budget,
offset maps, and the decoder protocol.

Decoded content keeps the outer origin; `Origin.decoded_from` says how it was
decoded (`base64`, `utf-16le`, `zip:dir/file.txt`, `gzip`, `tar:a/b`,
`json-escape`), composed with ` > ` when nested (`zip:app.jar > base64`). Line and
column point at the encoded text in the outer content when that is meaningful
(base64 runs, JSON escapes), at the text line for UTF-16, and into the member for
archive members.

Limits bound the work for hostile input: nesting depth, the number of archive
members, and the total number of bytes decoding may produce for one chunk. Hitting
a limit is reported as a `not-scanned` problem and never costs more than the limit;
content a limit leaves unread makes the scan incomplete (exit 3, hooks block), and
what fits under the limit (the first bytes of a member, the other members) is still
scanned.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping, Sequence

from psguard.models import FrozenRecord, Origin, Problem, Record, scrub_keys

# typing costs start-up time and the protocol is only for the type checker
# (like psguard.models).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from typing import Protocol

    class Decoder(Protocol):
        """One decoder: a callable from a chunk's bytes to what it decodes from them,
        one level deep, within the budget. Built once per rule set from its prefixes;
        plain data only, so that the engine pickles.

        A decoder yields nothing unless one of its `needles` occurs in the data or
        `triggered` says yes: that is how the engine's gate rules it out cheaply.
        """

        # Byte strings searched for anywhere in the data, together with every other
        # decoder's (psguard.engine.prefilter.CollapsedGate): each separate `find`
        # would be a full pass over every chunk.
        needles: tuple[bytes, ...]
        @property
        def checks(self) -> Mapping[bytes, NeedleCheck]:
            """Those of the needles that count only where their check says so (short
            needles common by chance: base64 of a prefix); the gates and the decoder
            ask alike."""
        # Literals one of which must occur in the data for `triggered` to say yes
        # beyond its look at the start (psguard.engine.fastgate finds them in its one
        # pass and asks `triggered` only then); empty: `triggered` looks only at the
        # start of the data.
        anywhere: tuple[bytes, ...]
        # True: once it has read the data as its container (any member with
        # content), the other decoders do not look at the same bytes (archives).
        # Its trigger runs before the engine's collapsed gate, so it must only look
        # at a few bytes (magic bytes at the start).
        exclusive: bool

        def triggered(self, data: bytes, start: int) -> bool:
            """The cheap checks besides the needles (a memchr, a look at the start of
            the data). `start` is the first byte after leading whitespace."""

        def __call__(self, data: bytes, origin: Origin, budget: Budget
                     ) -> Iterator[Decoded]: ...

    class NeedleCheck(Protocol):
        """Does a needle found at `pos` count? `pattern`: a regular expression
        (Hyperscan's syntax) matching from the needle's start wherever it may."""

        pattern: bytes
        span: int  # the most bytes a match of pattern covers

        def __call__(self, data: bytes, pos: int) -> bool: ...


NO_CHECKS: Mapping[bytes, NeedleCheck] = {}  # read-only by its type


class DecodeLimits(FrozenRecord):
    """Bounds on decoding one chunk (all nesting levels together)."""

    __slots__ = ("max_depth", "max_members", "max_expanded", "max_whole_run", "window",
                 "partial")

    def __init__(self, *, max_depth: int = 4, max_members: int = 2000,
                 max_expanded: int = 64 * 1024 * 1024, max_whole_run: int = 16 * 1024 * 1024,
                 window: int = 2048, partial: int = 1024 * 1024) -> None:
        self.max_depth = max_depth  # nested decodings, e.g. zip > jar member > base64 > gzip
        self.max_members = max_members  # archive members read, in total
        self.max_expanded = max_expanded  # bytes decoding may produce, in total
        self.max_whole_run = max_whole_run  # base64 decoded whole (archives, wrapped files)
        self.window = window  # encoded characters either side of a base64 hit
        # The first bytes of an archive member too large for what is left of the budget
        # that are scanned anyway: a little, so that one huge member cannot use up the
        # budget that the small members after it (a config file, a .env) need.
        self.partial = partial


class Budget(Record):
    """What is left of the limits while one chunk is decoded."""

    __slots__ = ("limits", "expanded", "members", "problems", "needles")

    def __init__(self, limits: DecodeLimits) -> None:
        self.limits = limits
        self.expanded = 0
        self.members = 0
        self.problems: list[Problem] = []
        # (the chunk, the needles known to occur in it): a decoder may search only
        # these in that chunk (Hyperscan found them in its one pass).
        self.needles: tuple[bytes, frozenset[bytes]] | None = None

    def needles_in(self, data: bytes, needles: Sequence[bytes]) -> list[bytes]:
        """Those of needles that may occur in data (all, unless known)."""
        known = self.needles
        if known is None or known[0] is not data:
            return list(needles)
        return [n for n in needles if n in known[1]]

    @property
    def remaining(self) -> int:
        return max(0, self.limits.max_expanded - self.expanded)

    def problem(self, origin: Origin, detail: str, *, incomplete: bool = True) -> None:
        """A limit left content unread (incomplete), or, with incomplete=False, a
        warning about content that was all scanned some other way."""
        target = origin.path or origin.kind
        if origin.decoded_from:
            target = f"{target} ({origin.decoded_from})"
        kind = "not-scanned" if incomplete else "warning"
        # Details name members (a zip member may be named after a key): redacted.
        self.problems.append(Problem(kind, target, scrub_keys(detail), incomplete=incomplete))


class Decoded(Record):
    """Content produced by one decoder from its parent's bytes."""

    __slots__ = ("data", "label", "to_parent", "lines_from_parent", "cut")

    def __init__(self, data: bytes, label: str, to_parent: Callable[[int], int] | None = None,
                 *, lines_from_parent: bool = False, cut: bool = False) -> None:
        self.data = data
        self.label = label
        # Maps an offset in `data` to an offset in the parent; None for archive members,
        # which have their own coordinates.
        self.to_parent = to_parent
        # True: line and column are computed in the parent at the mapped offset.
        self.lines_from_parent = lines_from_parent
        # True: the content was cut short (a window); a token touching its end may go on.
        self.cut = cut


class OffsetMap:
    """Piecewise-linear offset map from breakpoints (child offsets ascending)."""

    def __init__(self, child: Sequence[int], parent: Sequence[int]) -> None:
        self.child = child
        self.parent = parent

    def __call__(self, off: int) -> int:
        i = bisect.bisect_right(self.child, off) - 1
        return self.parent[i] + (off - self.child[i])


def substitute(data: bytes, pattern: re.Pattern[bytes],
               replace: Callable[[re.Match[bytes]], bytes]) -> tuple[bytes, OffsetMap] | None:
    """data with every match of pattern replaced, and the map from the result back to
    data (the escape decoders'); None when nothing matched.

    Memory stays a small multiple of the input however many escapes it holds (a
    document of 8 million `\\u0000` once took 2.8 GB): the output grows in place, and
    one breakpoint an escape, where it ends. Its start needs none: the map extrapolates
    from the previous breakpoint over the literal text between."""
    from array import array  # here: few runs decode escapes

    out = bytearray()
    child_offs = array("q", [0])
    parent_offs = array("q", [0])
    cursor = 0
    for m in pattern.finditer(data):
        s, e = m.span()
        out += data[cursor:s]
        out += replace(m)
        child_offs.append(len(out))
        parent_offs.append(e)
        cursor = e
    if cursor == 0:
        return None
    out += data[cursor:]
    return bytes(out), OffsetMap(child_offs, parent_offs)


def skip_space(data: bytes, pos: int) -> int:
    n = len(data)
    while pos < n and data[pos] in b" \t\r\n":
        pos += 1
    return pos
