"""Filters and scoring for candidate key bodies.

Each function answers one question about a body; `judge` combines them into a
confidence, or None when the body is certainly not a key. The reasons for each
filter are documented next to its setting in rules/poolside.toml.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter

from psguard.rules.model import Rule
from psguard.rules.shapes import (
    is_generated_name,
    is_pronounceable,
    is_word_run,
    uncommon_pairs,
)

# Runs that people read as words: "deployment", "Account", "HTTP", "20240101".
_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


_HEX_RE = re.compile(r"[0-9a-fA-F_-]+")
_SEPARATORS = re.compile(r"[-_]+")


def shannon_entropy(body: str) -> float:
    counts = Counter(body)
    n = len(body)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def alphabet_size(body: str) -> int:
    """The size of the smallest usual alphabet the body is drawn from."""
    if is_hex(body):
        return 16 + (2 if any(c in "-_" for c in body) else 0)
    size = 0
    size += 10 if any(c.isdigit() for c in body) else 0
    size += 26 if any(c.islower() for c in body) else 0
    size += 26 if any(c.isupper() for c in body) else 0
    size += 2 if any(c in "-_" for c in body) else 0
    return max(size, 2)


def entropy_ratio(body: str) -> float:
    """Entropy relative to what a random body of this length and alphabet has.

    The reference is log2 of the expected number of distinct symbols in a random
    body (k * (1 - (1 - 1/k) ** n) for alphabet size k and length n), so a random
    body scores near 1 whatever its alphabet (hex, lowercase alphanumerics, base62,
    base64url) and length, and a body made of a few repeated symbols scores low.
    """
    k = alphabet_size(body)
    n = len(body)
    ceiling = math.log2(k * (1 - (1 - 1 / k) ** n))
    return shannon_entropy(body) / ceiling if ceiling > 0 else 0.0


def is_placeholder(body: str, words: tuple[str, ...]) -> bool:
    """A placeholder word in the body (case-insensitive).

    In bodies over 40 characters a word must start a run (`EXAMPLEKEY…`), and a
    word under five letters must also stand between separators or the body's ends
    (`…-your-key-…`): otherwise a random 128-character body would contain a word
    such as `fake` or `your` by chance about once in a thousand."""
    lowered = body.lower()
    if len(body) <= 40:
        return any(word in lowered for word in words)
    for m in _WORD_RE.finditer(body):
        i = m.start()
        for word in words:
            if not lowered.startswith(word, i):
                continue
            if len(word) >= 5:
                return True
            end = i + len(word)
            if (i == 0 or body[i - 1] in "-_") and (end == len(body) or body[end] in "-_"):
                return True
    return False


def is_repeated(body: str) -> bool:
    """One short unit repeated: `aaaa…`, `abcabcabc…`, `ab12ab12…`."""
    n = len(body)
    for period in range(1, n // 3 + 1):
        unit = body[:period]
        if (unit * (n // period + 1))[:n] == body:
            return True
    return False


def is_sequential(body: str) -> bool:
    """Mostly consecutive characters: `0123456789abcdef…`, `abcdefgh…`, `987654…`."""
    steps = sum(1 for a, b in itertools.pairwise(body) if abs(ord(b) - ord(a)) == 1)
    return steps >= 0.6 * (len(body) - 1)


def is_word_like(body: str, min_average: float) -> bool:
    """Reads as words: few, long runs (`deployment`, `Account`, `HTTP`, `20240101`).

    Runs of letters that cannot be words (no vowels, long consonant clusters) and
    runs of digits count as single characters, so a random lowercase or hex body is
    not mistaken for words. (Dates and versions in names are caught by
    `is_identifier` instead.)
    """
    words = _WORD_RE.findall(body)
    if not words:
        return True  # only separators
    lengths: list[int] = []
    for w in words:
        if not w.isdigit() and is_pronounceable(w):
            lengths.append(len(w))
        else:
            lengths.extend([1] * len(w))
    return sum(lengths) / len(lengths) >= min_average


def is_hex(body: str) -> bool:
    return _HEX_RE.fullmatch(body) is not None


# A short label and a hex digest: `sha256-<hex>`, `vendor-<contenthash:20>`, `v2_<md5>`.
_LABELLED_HEX = re.compile(r"(?:[A-Za-z][A-Za-z0-9]{0,9}[-_]+)+(?:[0-9a-f]{16,}|[0-9A-F]{16,})")


def is_hexlike(body: str) -> bool:
    """Hex digits only (and separators), or a short label and a hex digest: digests and
    ids as often as keys. A random base64url body holds 16 hex digits in a row about
    once in 25 million."""
    return is_hex(body) or _LABELLED_HEX.fullmatch(body) is not None


_NAMED_DIGEST = re.compile(r"(?:sha(?:1|224|256|384|512)|sha3|md5|blake2[bs]?|xxh(?:32|64|128)"
                           r"|crc32|hash|digest|checksum)[-_]*(?:[0-9a-f]{16,}|[0-9A-F]{16,})",
                           re.IGNORECASE)


def is_named_digest(body: str) -> bool:
    """A digest named by its algorithm: `sha256-<hex>`, `md5_<hex>`, `xxh64-<hex>`: a
    hash of something (a key's fingerprint, a file), never the key itself."""
    return _NAMED_DIGEST.fullmatch(body) is not None


def is_digits_only(body: str) -> bool:
    return _SEPARATORS.sub("", body).isdigit()


def is_identifier(body: str) -> bool:
    """kebab-case or snake_case names and ids: `api-7c9d8f6b4-qx2zk` (a pod),
    `card__header--active` (BEM), `123e4567-e89b-12d3-a456-426614174000` (a UUID).

    Separated, no capital letter anywhere, and either a segment that is a word of
    three or more letters or only short segments. A random base64url body of 16+
    characters has a capital letter with probability above 0.9997.
    """
    if not any(c in "-_" for c in body) or any(c.isupper() for c in body):
        return False
    segments = [s for s in _SEPARATORS.split(body) if s]
    if all(len(s) <= 12 for s in segments):
        return True
    return any(len(s) >= 3 and s.isalpha() and (is_pronounceable(s) or is_word_run(s)
                                                 or _loose_word(s)) for s in segments)


def _loose_word(segment: str) -> bool:
    """A lowercase segment of four or more letters with a vowel and at most one rare
    letter pair (`cyan`, `bunch`): in a body that is already lowercase and separated,
    which a random base64url key of 16+ characters almost never is."""
    return (len(segment) >= 4 and any(c in "aeiouy" for c in segment)
            and uncommon_pairs(segment) <= 1)


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                   re.IGNORECASE)
# ULIDs of 2005-2039 start with `01` (48-bit milliseconds in Crockford base32).
_ULID = re.compile(r"0[1-3][0-9A-HJKMNP-TV-Z]{24}|0[1-3][0-9a-hjkmnp-tv-z]{24}")


def is_uuid_or_ulid(body: str) -> bool:
    """A UUID (8-4-4-4-12 hex digits) or a ULID (26 Crockford base32 characters of
    one case, starting with the timestamp's `01`..`03`): ids, never keys. A random
    36-character body has that shape with negligible probability; a random 26-character
    one of uppercase letters and digits about 4e-5 of the time."""
    return _UUID.fullmatch(body) is not None or _ULID.fullmatch(body) is not None


# -- placeholders typed from alphabet runs and keyboard rows -----------------------------

_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl",
              "zxcvbnm", "1234567890")
_STEP: dict[str, set[str]] = {}
for _seq in _SEQUENCES:
    for _a, _b in itertools.pairwise(_seq):
        for _x, _y in ((_a, _b), (_b, _a)):  # forwards and backwards
            _STEP.setdefault(_x, set()).add(_y)
            _STEP.setdefault(_x.upper(), set()).add(_y.upper())


def is_keyboard_runs(body: str) -> bool:
    """Typed rather than random: the body is a few runs along the alphabet, the digits
    or a keyboard row, either way and in either case (`abcdefghijkl`, `ABCDEF012345`,
    `qwertyuiopasdfghjkl`, `zxcvbnmzxcvbnm`). Runs average four or more characters;
    in a random body two neighbours are such a step about one time in twenty."""
    if len(body) < 8:
        return False
    runs = 1
    for a, b in itertools.pairwise(body):
        if b not in _STEP.get(a, ()):
            runs += 1
    return len(body) / runs >= 4.0


# What a digest or a cloud id is labelled with, right before it: wheel RECORD files and
# checksum lists (`sha256=<base64url>`), Subresource Integrity (`sha384-<base64>`), AWS
# IAM Identity Center permission sets (`…:permissionSet/ssoins-<id>/ps-<16 chars>`),
# AWS resource names in an ARN (`:123456789012:function:ps-…`, `…:role/ps-…`); and what
# a random run inside a longer token follows: a JWT's (or any dotted token's) previous
# segment (`<16+ base64url>.ps-…`), and standard base64 (`<24+ base64>/ps-…` with a digit,
# or 40+ without), whose `/` and `+` are data, not a boundary.
_ID_LABEL = re.compile(rb"(?:(?i:sha(?:1|256|384|512)[=-]|permissionSet/ssoins-[0-9a-z]+/)"
                       rb"|:\d{12}:[A-Za-z0-9/_.:-]*[:/]"
                       rb"|(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Z])"
                       rb"[A-Za-z0-9_-]{16,}\.|(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]*[0-9])"
                       rb"(?=[A-Za-z0-9+/]*[A-Z])(?=[A-Za-z0-9+/]*[a-z])[A-Za-z0-9+/]{24,}[/+]"
                       # a random 40-character base64 run lacks a digit about once in
                       # a thousand: past 40, upper and lower case are enough
                       rb"|(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]*[A-Z])(?=[A-Za-z0-9+/]*[a-z])"
                       rb"[A-Za-z0-9+/]{40,}[/+])\Z")


def labelled_id(before: bytes) -> bool:
    """The text right before a candidate names it as a digest or an id, or makes it the
    middle of a longer token: a random run after `sha256=` is the file's hash (one in
    262,144 sha256 digests starts `ps-`), so real package metadata would otherwise hold
    keys by chance; a JWT segment or a base64 blob holds `ps-` by chance as often."""
    return _ID_LABEL.search(before) is not None


def char_classes(body: str) -> int:
    return (
        any(c.islower() for c in body)
        + any(c.isupper() for c in body)
        + any(c.isdigit() for c in body)
    )


def drop_reason(rule: Rule, body: str) -> str | None:
    """Why a body is certainly not a key (the filter's name), or None."""
    f = rule.filters
    if f.placeholder_words and is_placeholder(body, f.placeholder_words):
        return "placeholder_words"
    if f.reject_repeated and is_repeated(body):
        return "reject_repeated"
    if f.reject_sequential and is_sequential(body):
        return "reject_sequential"
    if f.reject_keyboard_runs and is_keyboard_runs(body):
        return "reject_keyboard_runs"
    if f.reject_digits_only and is_digits_only(body):
        return "reject_digits_only"
    if f.reject_identifiers and is_identifier(body):
        return "reject_identifiers"
    if f.reject_uuid_ulid and is_uuid_or_ulid(body):
        return "reject_uuid_ulid"
    if f.reject_named_digests and is_named_digest(body):
        return "reject_named_digests"
    if f.reject_word_like and is_word_like(body, f.word_like_min_average):
        return "reject_word_like"
    if f.reject_generated_names and is_generated_name(body):
        return "reject_generated_names"
    if any(p.fullmatch(body) for p in f.allow_patterns):
        return "allow_patterns"
    return None


def judge(rule: Rule, body: str, has_context: bool) -> str | None:
    """Confidence for a body that passed the length bounds, or None to drop it."""
    if drop_reason(rule, body) is not None:
        return None
    random_enough = entropy_ratio(body) >= rule.min_entropy_ratio
    if rule.filters.hex_needs_context and is_hexlike(body):
        # Digests and ids (`ps-` + a git sha, an md5, a UUID) look exactly like a hex
        # key; only a keyword nearby tells them apart.
        return "medium" if has_context and random_enough else "low"
    mixed = char_classes(body) >= 2
    if random_enough and mixed and (has_context or len(body) >= 32):
        return "high"
    if random_enough and (mixed or has_context):
        return "medium"
    return "low"
