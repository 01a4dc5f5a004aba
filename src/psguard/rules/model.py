"""The rule model: what a rule file says, validated and compiled."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RuleFilters:
    placeholder_words: tuple[str, ...] = ()
    reject_word_like: bool = True
    word_like_min_average: float = 4.0
    reject_repeated: bool = True
    reject_sequential: bool = True
    reject_digits_only: bool = True
    reject_identifiers: bool = True
    hex_needs_context: bool = False
    allow_patterns: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    prefix: str
    body_alphabet: str
    min_length: int
    max_length: int
    min_entropy_ratio: float
    keywords: tuple[str, ...]
    filters: RuleFilters
    source: str  # the file the rule came from, for messages
    # Compiled forms, derived from the fields above.
    token_re: re.Pattern[bytes] = field(compare=False, repr=False, default=re.compile(b""))
    candidate_re: re.Pattern[bytes] = field(compare=False, repr=False, default=re.compile(b""))
    body_byte_set: frozenset[int] = field(compare=False, repr=False, default=frozenset())
    keywords_lower: tuple[bytes, ...] = field(compare=False, repr=False, default=())


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    version: str  # changes whenever any rule changes; caches key on it

    @property
    def prefixes(self) -> tuple[bytes, ...]:
        return tuple(sorted({r.prefix.encode() for r in self.rules}))
