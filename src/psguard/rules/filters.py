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

# Runs that people read as words: "deployment", "Account", "HTTP", "20240101".
_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


_VOWELS = frozenset("aeiouyAEIOUY")
_CONSONANT_RUN = re.compile(r"[b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ]{4,}")
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


# Letter pairs common in English and in the words of identifiers (about a third of
# all 676 pairs). Random letters hit this set about a third of the time, words
# almost always.
_BIGRAM_TEXT = """
th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou
io le ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di
fo ho pe ec pr no ct us ac ot il tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em
ad ol rt po we na ul ni ts mo ow pa im mi ai sh ir su id os iv ia am fi ci vi pl ig
tu ev ld ry mp fe bl ab gh ty op wo sa ay ex ke fr oo av ag if ap gr od bo sp rd do
uc bu ei ov by rm ep tt oc fa ef cu rn sc gi da yo cr cl du ga qu ue ff ba ey ls va
um pp ua up lu go ht ru ug ds lt pi rc rr eg au ck ew mu br bi pt ak pu ui rg ib tl
ny ki rk ys ob mm fu ph og ms ye ud mb ip ub oi rl gu dr hr cc tw ft wn nu af hu nn
eo vo rv nf xp gn sm fl iz ok nl my gl aw ju oa eq sy sl ps jo lf nv je nk kn gs dy
hy ze ks xt ym oy ku za zi ja ka ko ev ix ax sk ti nx ov ue ua ec
"""
_COMMON_BIGRAMS = frozenset(_BIGRAM_TEXT.split())


def is_pronounceable(run: str) -> bool:
    """Could this run of letters be a word? Short runs are given the benefit of the
    doubt; longer ones need vowels, no cluster of four or more consonants, and
    mostly common letter pairs (random letters fail at least one almost always)."""
    if len(run) <= 3 or run.isdigit():
        return True
    vowels = sum(1 for c in run if c in _VOWELS)
    if vowels < 0.25 * len(run) or _CONSONANT_RUN.search(run) is not None:
        return False
    low = run.lower()
    pairs = [low[i:i + 2] for i in range(len(low) - 1)]
    return sum(p in _COMMON_BIGRAMS for p in pairs) >= 0.6 * len(pairs)


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
    return any(len(s) >= 3 and s.isalpha() and is_pronounceable(s) for s in segments)


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
    if f.reject_digits_only and is_digits_only(body):
        return "reject_digits_only"
    if f.reject_identifiers and is_identifier(body):
        return "reject_identifiers"
    if f.reject_word_like and is_word_like(body, f.word_like_min_average):
        return "reject_word_like"
    if any(p.fullmatch(body) for p in f.allow_patterns):
        return "allow_patterns"
    return None


def judge(rule: Rule, body: str, has_context: bool) -> str | None:
    """Confidence for a body that passed the length bounds, or None to drop it."""
    if drop_reason(rule, body) is not None:
        return None
    random_enough = entropy_ratio(body) >= rule.min_entropy_ratio
    if rule.filters.hex_needs_context and is_hex(body):
        # Digests and ids (`ps-` + a git sha, an md5, a UUID) look exactly like a hex
        # key; only a keyword nearby tells them apart.
        return "medium" if has_context and random_enough else "low"
    mixed = char_classes(body) >= 2
    if random_enough and mixed and (has_context or len(body) >= 32):
        return "high"
    if random_enough and (mixed or has_context):
        return "medium"
    return "low"
