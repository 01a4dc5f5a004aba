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


def shannon_entropy(body: str) -> float:
    counts = Counter(body)
    n = len(body)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def entropy_ratio(body: str) -> float:
    """Entropy relative to the most a body of this length can have (<= 64 symbols)."""
    ceiling = math.log2(min(len(body), 64))
    return shannon_entropy(body) / ceiling if ceiling > 0 else 0.0


def is_placeholder(body: str, words: tuple[str, ...]) -> bool:
    lowered = body.lower()
    return any(word in lowered for word in words)


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
    words = _WORD_RE.findall(body)
    if not words:
        return True  # only separators
    letters = sum(len(w) for w in words)
    return letters / len(words) >= min_average


def char_classes(body: str) -> int:
    return (
        any(c.islower() for c in body)
        + any(c.isupper() for c in body)
        + any(c.isdigit() for c in body)
    )


def judge(rule: Rule, body: str, has_context: bool) -> str | None:
    """Confidence for a body that passed the length bounds, or None to drop it."""
    f = rule.filters
    if f.placeholder_words and is_placeholder(body, f.placeholder_words):
        return None
    if f.reject_repeated and is_repeated(body):
        return None
    if f.reject_sequential and is_sequential(body):
        return None
    if f.reject_word_like and is_word_like(body, f.word_like_min_average):
        return None
    if any(p.fullmatch(body) for p in f.allow_patterns):
        return None
    random_enough = entropy_ratio(body) >= rule.min_entropy_ratio
    mixed = char_classes(body) >= 2
    if random_enough and mixed and (has_context or len(body) >= 32):
        return "high"
    if random_enough and (mixed or has_context):
        return "medium"
    return "low"
