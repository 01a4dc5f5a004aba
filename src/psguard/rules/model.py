"""The rule model: what a rule file says, validated and compiled."""

from __future__ import annotations

import re

from psguard.models import FrozenRecord
from psguard.rules.grammar import AllowPattern


class RuleFilters(FrozenRecord):
    __slots__ = ("placeholder_words", "reject_word_like", "word_like_min_average",
                 "reject_repeated", "reject_sequential", "reject_digits_only",
                 "reject_identifiers", "reject_keyboard_runs", "reject_uuid_ulid",
                 "reject_generated_names", "reject_named_digests", "hex_needs_context",
                 "allow_patterns")

    def __init__(self, *, placeholder_words: tuple[str, ...] = (),
                 reject_word_like: bool = True, word_like_min_average: float = 4.0,
                 reject_repeated: bool = True, reject_sequential: bool = True,
                 reject_digits_only: bool = True, reject_identifiers: bool = True,
                 reject_keyboard_runs: bool = True, reject_uuid_ulid: bool = True,
                 reject_generated_names: bool = True, reject_named_digests: bool = True,
                 hex_needs_context: bool = False,
                 allow_patterns: tuple[AllowPattern, ...] = ()) -> None:
        self.placeholder_words = placeholder_words
        self.reject_word_like = reject_word_like
        self.word_like_min_average = word_like_min_average
        self.reject_repeated = reject_repeated
        self.reject_sequential = reject_sequential
        self.reject_digits_only = reject_digits_only
        self.reject_identifiers = reject_identifiers
        self.reject_keyboard_runs = reject_keyboard_runs
        self.reject_uuid_ulid = reject_uuid_ulid
        self.reject_generated_names = reject_generated_names
        self.reject_named_digests = reject_named_digests
        self.hex_needs_context = hex_needs_context
        self.allow_patterns = allow_patterns


class Rule(FrozenRecord):
    __slots__ = ("id", "description", "prefix", "body_alphabet", "min_length", "max_length",
                 "min_entropy_ratio", "keywords", "filters", "source", "token_re",
                 "candidate_re", "body_byte_set", "keywords_lower")

    def __init__(self, *, id: str, description: str, prefix: str, body_alphabet: str,
                 min_length: int, max_length: int, min_entropy_ratio: float,
                 keywords: tuple[str, ...], filters: RuleFilters, source: str,
                 token_re: re.Pattern[bytes], candidate_re: re.Pattern[bytes],
                 body_byte_set: frozenset[int], keywords_lower: tuple[bytes, ...]) -> None:
        self.id = id
        self.description = description
        self.prefix = prefix
        self.body_alphabet = body_alphabet
        self.min_length = min_length
        self.max_length = max_length
        self.min_entropy_ratio = min_entropy_ratio
        self.keywords = keywords
        self.filters = filters
        self.source = source  # the file the rule came from, for messages
        # Compiled forms, derived from the fields above.
        self.token_re = token_re
        self.candidate_re = candidate_re
        self.body_byte_set = body_byte_set
        self.keywords_lower = keywords_lower


class RuleSet(FrozenRecord):
    __slots__ = ("rules", "texts")

    def __init__(self, rules: tuple[Rule, ...], texts: tuple[str, ...]) -> None:
        self.rules = rules
        self.texts = texts  # what the rules were read from, plus variants (no decoding)

    @property
    def version(self) -> str:
        """Changes whenever any rule changes; caches key on it."""
        import hashlib  # only the caches need it: loading OpenSSL costs ~3 ms

        return hashlib.sha256("\0".join(self.texts).encode()).hexdigest()[:16]

    @property
    def prefixes(self) -> tuple[bytes, ...]:
        return tuple(sorted({r.prefix.encode() for r in self.rules}))
