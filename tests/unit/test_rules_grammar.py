"""The rule-file grammars: alphabets and allow patterns are parsed by psguard, never
handed to `re`, and allow patterns match in linear time with Python regex semantics
for every pattern the grammar accepts."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psguard.rules.grammar import (
    GrammarError,
    class_source,
    parse_allow_pattern,
    parse_alphabet,
)


@pytest.mark.parametrize(("text", "chars"), [
    ("A-Za-z0-9_-", "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"),
    ("-a", "-a"), ("a-c-", "-abc"), ("\\]\\[\\\\\\^", "[\\]^"), ("a^", "^a"),
    ("(x+)|", "()+x|"),  # regex syntax outside brackets is only characters
])
def test_alphabets_are_characters_and_ranges(text: str, chars: str) -> None:
    parsed = parse_alphabet(text)
    assert "".join(sorted(map(chr, parsed))) == "".join(sorted(chars))
    # The class psguard builds matches exactly those bytes, whatever they are.
    cls = re.compile(class_source(parsed))
    assert {b for b in range(256) if cls.fullmatch(bytes([b]))} == parsed


@pytest.mark.parametrize(("text", "message"), [
    ("a-z]|(x+)+y[", "']' is not allowed"),
    ("[a-z]", "'[' is not allowed"),
    ("Z-A", "reversed"), ("^a", "leading '^'"), ("\\d", "'\\d' is not supported"),
    ("a-c-e", "ambiguous"), ("", "matches no character"), ("é", "printable ASCII"),
    ("a b", "printable ASCII"), ("a\\", "lone"),
])
def test_alphabet_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(GrammarError, match=re.escape(message)):
        parse_alphabet(text)


@pytest.mark.parametrize(("pattern", "message"), [
    ("([A-Za-z0-9]+)+!", "groups and alternation"), ("a|b", "groups and alternation"),
    ("a**", "cannot be repeated"), ("a+{2}", "cannot be repeated"),
    ("a{5000}", "4096"), ("x{2,1}", "4096"), ("a{0}", "m > 0"),
    ("{3}", "nothing to repeat"), ("[a", "not closed"), ("[]", "no character"),
    ("a{0,4096}b", "more than 4096 positions"), ("\\1", "not supported"),
])
def test_allow_pattern_errors(pattern: str, message: str) -> None:
    with pytest.raises(GrammarError, match=re.escape(message)):
        parse_allow_pattern(pattern)


ATOMS = st.sampled_from(["a", "b", "1", "\\-", "\\.", ".", "[ab]", "[^a]", "[a-b1]", "-"])
QUANTS = st.sampled_from(["", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "{2,3}", "{0,}"])
PATTERNS = st.lists(st.tuples(ATOMS, QUANTS), max_size=5).map(
    lambda pieces: "".join(a + q for a, q in pieces))


@given(PATTERNS, st.text(alphabet="ab1-.", max_size=8))
def test_allow_patterns_mean_what_python_regexes_mean(pattern: str, body: str) -> None:
    assert parse_allow_pattern(pattern).fullmatch(body) == bool(re.fullmatch(pattern, body))


def test_anchors_are_accepted_and_change_nothing() -> None:
    assert parse_allow_pattern("^f{4}$").fullmatch("ffff")
    assert not parse_allow_pattern("^f{4}$").fullmatch("fffff")
    assert parse_allow_pattern("a\\$").fullmatch("a$")


def test_patterns_that_backtrack_in_re_are_linear_here() -> None:
    # Shapes that make a backtracking engine take exponential or high-degree
    # polynomial time: here one pass over the body, whatever the pattern.
    body = "a" * 4000
    assert not parse_allow_pattern("a*" * 20 + "b").fullmatch(body)
    assert not parse_allow_pattern("a{0,2000}a{0,2000}b").fullmatch(body)
    assert parse_allow_pattern("a*a*a*a*").fullmatch(body)
