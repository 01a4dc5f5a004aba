"""The precision filters, one named reason a body is not a key, each tested alone
(the shape of detect-secrets' heuristics): lookalikes are dropped for the reason the
rule file names, and random bodies of every alphabet pass all of them."""

from __future__ import annotations

import secrets
import string

import pytest

from psguard.rules.filters import (
    drop_reason,
    entropy_ratio,
    is_identifier,
    is_placeholder,
    is_repeated,
    is_sequential,
    is_word_like,
    judge,
)
from psguard.rules.loader import load_rules
from psguard.testing import BASE62, BASE64URL, make_key

RULE = load_rules().rules[0]


def test_random_bodies_of_every_alphabet_pass_every_filter() -> None:
    for alphabet in (BASE62, BASE64URL, string.hexdigits.lower(),
                     string.ascii_lowercase + string.digits):
        for length in (24, 40, 64, 128):
            body = make_key(length, alphabet)[3:]
            assert drop_reason(RULE, body) is None, (alphabet[:5], length)
            assert entropy_ratio(body) > 0.8


@pytest.mark.parametrize(("body", "reason"), [
    ("Q7" * 16, "reject_repeated"),
    ("ab12" * 8, "reject_repeated"),
    ("0123456789abcdefghijklmnopqrstuv", "reject_sequential"),
    ("deployment-blue-green-worker-pool", "reject_identifiers"),
    ("or-later-exception-20240101", "reject_identifiers"),
    ("AccountServiceDeploymentWorker", "reject_word_like"),
])
def test_lookalikes_are_dropped_for_the_named_reason(body: str, reason: str) -> None:
    assert drop_reason(RULE, body) == reason


def test_placeholder_words_short_and_long_bodies() -> None:
    words = RULE.filters.placeholder_words
    assert words, "the built-in rule names placeholder words"
    word = next(w for w in words if len(w) >= 5)
    assert is_placeholder(f"{word}{secrets.token_hex(8)}", words)
    # in a long random body a short word only counts between separators
    short = next(w for w in words if len(w) < 5)
    noise = secrets.token_hex(30)
    assert is_placeholder(f"{noise[:20]}-{short}-{noise[20:]}", words)
    assert not is_placeholder(f"{noise[:20]}{short}{noise[20:]}", words)


def test_each_predicate_alone() -> None:
    assert is_repeated("abcabcabcabc") and not is_repeated(make_key()[3:])
    assert is_sequential("abcdefghij") and is_sequential("9876543210")
    assert not is_sequential(make_key()[3:])
    assert is_identifier("api-7c9d8f6b4-qx2zk") and not is_identifier(make_key()[3:])
    assert is_word_like("RequestHandlerFactoryBuilder", 4.0)
    assert not is_word_like(make_key()[3:], 4.0)


def test_confidence_needs_randomness_and_rises_with_context() -> None:
    body = make_key(24)[3:]
    assert judge(RULE, body, has_context=True) == "high"
    assert judge(RULE, body, has_context=False) in ("medium", "high")
    assert judge(RULE, make_key(40)[3:], has_context=False) == "high"
    assert judge(RULE, "x" * 40, has_context=True) is None
