"""The rule loader under a fuzzer, every input in a child bounded in CPU time and memory.

A repository can name its own rule files, so the loader reads hostile text: whatever it
is given, it either compiles rules or raises RuleError (a one-line configuration error),
and rules it accepts scan hostile content in bounded time and memory (no rule text
reaches a regular expression engine as pattern source).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from psguard.engine.engine import Engine
from psguard.models import Origin
from psguard.rules.loader import RuleError, parse_rule_text
from psguard.rules.model import RuleSet
from psguard.testing.bounded import run_bounded

# Text a rule author (or an attacker) might write in a pattern-like field: regex
# metacharacters, ranges, escapes, nested quantifiers, very long runs.
_PATTERNISH = st.text(alphabet="ab-z09AZ_\\^$.*+?()[]{}|,:=!<>#~ \t\n\x00é", max_size=60)
_HUGE = st.sampled_from([0, 1, -1, 16, 255, 256, 4096, 2**31, 2**63 - 1, -(2**63)])
_VALUE = st.one_of(_PATTERNISH, _HUGE, st.booleans(),
                   st.floats(allow_nan=False, allow_infinity=False),
                   st.lists(_PATTERNISH, max_size=4))

_FILTERS = st.fixed_dictionaries({}, optional={
    "placeholder_words": st.lists(_PATTERNISH.filter(bool), max_size=5),
    "reject_word_like": st.booleans(),
    "word_like_min_average": st.floats(0, 20),
    "reject_repeated": st.booleans(),
    "reject_sequential": st.booleans(),
    "reject_digits_only": st.booleans(),
    "reject_identifiers": st.booleans(),
    "hex_needs_context": st.booleans(),
    "allow_patterns": st.lists(_PATTERNISH, max_size=4),
})

_WELL_TYPED_RULE = st.fixed_dictionaries({
    "id": st.just("fuzz-rule"),
    "prefix": st.sampled_from(["ps-", "p", "-", "ps", "[", "\\", "a*", "(?"]),
}, optional={
    "description": _PATTERNISH,
    "body_alphabet": st.one_of(
        st.sampled_from(["A-Za-z0-9_-", "a-z", "\\x00-\\xff", "^", "]", "a-", "z-a", "-"]),
        _PATTERNISH),
    "min_length": st.integers(1, 40),
    "max_length": st.integers(40, 300),
    "min_entropy_ratio": st.floats(0, 1),
    "keywords": st.lists(_PATTERNISH.filter(bool), max_size=4),
    "filters": _FILTERS,
})
_FIELDS = ["id", "prefix", "description", "body_alphabet", "min_length", "max_length",
           "min_entropy_ratio", "keywords", "filters", "unknown"]


@st.composite
def rules(draw: st.DrawFn) -> dict[str, Any]:
    """A rule with well-typed fields (their values hostile), or one field of any type."""
    rule: dict[str, Any] = draw(_WELL_TYPED_RULE)
    if draw(st.integers(0, 3)) == 0:
        rule[draw(st.sampled_from(_FIELDS))] = draw(_VALUE)
    return rule


_RULE = rules()


def toml_value(value: Any) -> str:
    """A TOML literal for value (JSON's string and number spellings are TOML's too)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


def rule_file(rules: list[dict[str, Any]]) -> str:
    lines = ["version = 2"]
    for rule in rules:
        lines.append("[[rule]]")
        nested = {k: v for k, v in rule.items() if isinstance(v, dict)}
        lines += [f"{k} = {toml_value(v)}" for k, v in rule.items() if k not in nested]
        for key, table in nested.items():
            lines.append(f"[rule.{key}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


# Content built to make a careless pattern backtrack: long runs of one class broken by
# one byte of another, prefixes everywhere, no line breaks.
_HOSTILE_CONTENT = [
    b"ps-" + b"a" * 20_000 + b"!",
    (b"ps-" * 20_000),
    (b"-a" * 30_000) + b"\x00",
    bytes(range(256)) * 200,
    b"[" * 10_000 + b"ps-" + b"Ab1_" * 5_000,
]


def _load_and_scan(text: str) -> None:
    try:
        rules, _version = parse_rule_text(text, "fuzz.toml")
    except RuleError as exc:
        message = str(exc)
        assert message.startswith("fuzz.toml"), message
        assert "\n" not in message.strip() or "Traceback" not in message
        return
    engine = Engine(RuleSet(rules=tuple(rules), texts=(text,)))
    for data in _HOSTILE_CONTENT:
        for cand in engine.scan_bytes(data, Origin(kind="file", path="f")):
            assert any(cand.secret.startswith(r.prefix) for r in rules), cand.secret


@given(st.lists(_RULE, min_size=1, max_size=3))
def test_any_rule_file_compiles_or_is_a_rule_error_and_scans_in_bounds(
        rules: list[dict[str, Any]]) -> None:
    text = rule_file(rules)
    run_bounded(lambda: _load_and_scan(text))


@given(st.text(max_size=400))
def test_arbitrary_text_as_a_rule_file_is_a_rule_error_or_rules(text: str) -> None:
    run_bounded(lambda: _load_and_scan(text))


def test_the_fuzzer_reaches_rules_that_compile() -> None:
    """The generated files are not all rejected: some compile and get scanned."""
    text = rule_file([{"id": "fuzz-rule", "prefix": "ps-", "body_alphabet": "a-z",
                       "min_length": 4, "filters": {"reject_word_like": False}}])
    rules, _ = parse_rule_text(text, "fuzz.toml")
    engine = Engine(RuleSet(rules=tuple(rules), texts=(text,)))
    found = engine.scan_bytes(b"x ps-qzkvwmxj y", Origin(kind="file", path="f"))
    assert [c.secret for c in found] == ["ps-qzkvwmxj"]
