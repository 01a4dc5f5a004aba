"""The small languages of a rule file, parsed here rather than handed to `re`.

Rule files come from repositories, so no text of theirs is ever pasted into a regex.

- `body_alphabet`: characters and ranges, e.g. `A-Za-z0-9_-`. Printable ASCII only; a
  `-` between two characters is a range, first or last it is itself; `\\` takes the
  next character literally (`\\]`, `\\\\`, `\\-`, `\\^`). Brackets, a leading `^` and
  class shorthands (`\\d`) are errors: the alphabet is not a regex. The engine's
  regexes are built from the parsed set, every character escaped.
- `allow_patterns`: a sequence of pieces, each an atom (a character, `\\` + a
  character, `.`, or `[...]` in the alphabet syntax, `[^...]` for its complement)
  with an optional `*`, `+`, `?`, `{n}`, `{n,}` or `{n,m}` (n, m <= 4096). No groups,
  alternation or backreferences: write alternatives as separate patterns. They are
  matched by a position automaton (AllowPattern), in time linear in the body.
"""

from __future__ import annotations

import re

from psguard.models import FrozenRecord

MAX_REPEAT = 4096  # quantifier bounds, and the most positions one pattern may expand to
_PRINTABLE = range(0x21, 0x7F)  # printable ASCII without space
_ASCII = frozenset(range(128))
_SPECIAL = set("\\[](){}|*+?.^$")


class GrammarError(ValueError):
    """Text that is not in the grammar; the message says what is wrong."""


def _char(text: str, i: int) -> tuple[int, int]:
    """The literal character at i (an escape takes the next one) and the next index."""
    ch = text[i]
    if ch == "\\":
        if i + 1 >= len(text):
            raise GrammarError("ends with a lone '\\'")
        nxt = text[i + 1]
        if nxt.isalnum():
            raise GrammarError(f"'\\{nxt}' is not supported: list the characters "
                               "(ranges such as 0-9 are fine)")
        return _printable(nxt), i + 2
    return _printable(ch), i + 1


def _printable(ch: str) -> int:
    code = ord(ch)
    if code not in _PRINTABLE:
        raise GrammarError(f"{ch!r} is not allowed: only printable ASCII characters")
    return code


def parse_set(text: str, *, closing: bool = False) -> tuple[frozenset[int], int]:
    """Characters and ranges from the start of text; with closing, up to an unescaped
    `]` (returns the index after it). The bytes of the set, and where parsing ended."""
    if text.startswith("^"):
        raise GrammarError("a leading '^' is not supported (write '\\^' for the character)")
    out: set[int] = set()
    n = len(text)

    def dash_at(j: int) -> bool:  # a range's dash: not the last character of the set
        return j + 1 < n and text[j] == "-" and not (closing and text[j + 1] == "]")

    i = 0
    while i < n:
        ch = text[i]
        if ch == "]" and closing:
            return frozenset(out), i + 1
        if ch in "[]":
            raise GrammarError(f"{ch!r} is not allowed: write characters and ranges such "
                               f"as A-Za-z0-9_- without brackets, '\\{ch}' for the character")
        lo, i = _char(text, i)
        if not dash_at(i):
            out.add(lo)
            continue
        hi, i = _char(text, i + 1)
        if hi < lo:
            raise GrammarError(f"range '{chr(lo)}-{chr(hi)}' is reversed")
        if dash_at(i):
            raise GrammarError(f"'-' after the range '{chr(lo)}-{chr(hi)}' is ambiguous: "
                               "put a literal '-' first or last, or write '\\-'")
        out.update(range(lo, hi + 1))
    if closing:
        raise GrammarError("'[' is not closed")
    return frozenset(out), n


def parse_alphabet(text: str) -> frozenset[int]:
    chars, _ = parse_set(text)
    if not chars:
        raise GrammarError("matches no character")
    return chars


def class_source(chars: frozenset[int]) -> bytes:
    """A regex character class for chars, every member escaped (runs as ranges)."""
    codes = sorted(chars)
    parts: list[bytes] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        lo, hi = re.escape(bytes([codes[i]])), re.escape(bytes([codes[j]]))
        parts.append(lo if i == j else lo + b"-" + hi)
        i = j + 1
    return b"[" + b"".join(parts) + b"]"


# -- allow patterns ---------------------------------------------------------------------


def _atom(text: str, i: int) -> tuple[frozenset[int], int]:
    ch = text[i]
    if ch == ".":
        return _ASCII, i + 1
    if ch == "[":
        negate = text.startswith("^", i + 1)
        chars, used = parse_set(text[i + 1 + negate:], closing=True)
        if not chars:
            raise GrammarError("'[]' matches no character")
        return (_ASCII - chars if negate else chars), i + 1 + negate + used
    if ch in "()|":
        raise GrammarError(f"groups and alternation ({ch!r}) are not supported; write "
                           "each alternative as its own pattern")
    if ch in _SPECIAL and ch != "\\":
        raise GrammarError(f"{ch!r} has nothing to repeat or must be written '\\{ch}'")
    code, j = _char(text, i)
    return frozenset([code]), j


_BOUNDS = r"\{(\d{1,5})(,(\d{0,5}))?\}"  # our own, fixed regex (re caches it)


def _quantifier(text: str, i: int) -> tuple[int, int | None, int]:
    """(least, most or None for unbounded, next index) of the quantifier at i."""
    ch = text[i] if i < len(text) else ""
    if ch == "*":
        return 0, None, i + 1
    if ch == "+":
        return 1, None, i + 1
    if ch == "?":
        return 0, 1, i + 1
    if ch == "{":
        m = re.compile(_BOUNDS).match(text, i)
        if m is None:
            raise GrammarError("a repeat must be {n}, {n,} or {n,m} with whole numbers")
        lo = int(m.group(1))
        hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
        if lo > MAX_REPEAT or (hi is not None and not lo <= hi <= MAX_REPEAT) or hi == 0:
            raise GrammarError(f"a repeat needs 0 <= n <= m <= {MAX_REPEAT} and m > 0")
        return lo, hi, m.end()
    return 1, 1, i


class AllowPattern(FrozenRecord):
    """A parsed allow pattern, matched against a whole body by a position automaton:
    bit i of the state is "the next character may match position i"; optional
    positions are skipped with one addition (carries run along runs of them)."""

    __slots__ = ("source", "masks", "optional", "repeat", "accept")

    def __init__(self, source: str, masks: tuple[int, ...], optional: int, repeat: int,
                 accept: int) -> None:
        self.source = source
        self.masks = masks  # per ASCII code: the positions that accept it
        self.optional = optional  # positions that may be skipped
        self.repeat = repeat  # positions that may match again
        self.accept = accept  # the bit one past the last position

    def _closure(self, state: int) -> int:
        return state | ((self.optional + (state & self.optional)) ^ self.optional)

    def fullmatch(self, body: str) -> bool:
        state = self._closure(1)
        masks = self.masks
        for ch in body:
            code = ord(ch)
            matched = state & masks[code] if code < 128 else 0
            if not matched:
                return False
            state = self._closure((matched << 1) | (matched & self.repeat))
        return bool(state & self.accept)


def parse_allow_pattern(text: str) -> AllowPattern:
    body = text[1:] if text.startswith("^") else text
    if body.endswith("$") and not body.endswith("\\$"):
        body = body[:-1]
    positions: list[tuple[frozenset[int], bool, bool]] = []  # (chars, optional, repeat)
    i = 0
    while i < len(body):
        chars, i = _atom(body, i)
        lo, hi, i = _quantifier(body, i)
        if i < len(body) and body[i] in "*+?{":
            raise GrammarError("a repeat cannot be repeated (nested quantifiers)")
        if hi is None:
            positions += [(chars, False, False)] * max(lo - 1, 0)
            positions.append((chars, lo == 0, True))
        else:
            positions += [(chars, False, False)] * lo + [(chars, True, False)] * (hi - lo)
        if len(positions) > MAX_REPEAT:
            raise GrammarError(f"expands to more than {MAX_REPEAT} positions")
    masks = [0] * 128
    optional = repeat = 0
    for n, (chars, opt, rep) in enumerate(positions):
        for code in chars:
            masks[code] |= 1 << n
        optional |= opt << n
        repeat |= rep << n
    return AllowPattern(text, tuple(masks), optional, repeat, 1 << len(positions))
