"""Load rule files (TOML) into compiled rules. Every mistake is a RuleError."""

from __future__ import annotations

import re
from pathlib import Path

from psguard.config import load_toml
from psguard.errors import ConfigError
from psguard.readfile import read_capped_text
from psguard.rules.grammar import (
    MAX_REPEAT,
    AllowPattern,
    GrammarError,
    class_source,
    parse_allow_pattern,
    parse_alphabet,
)
from psguard.rules.model import Rule, RuleFilters, RuleSet
from psguard.usercache import parsed_rules

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

BUILTIN = "poolside.toml"

_RULE_KEYS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "description": str,
    "prefix": str,
    "body_alphabet": str,
    "min_length": int,
    "max_length": int,
    "min_entropy_ratio": (int, float),
    "keywords": list,
    "filters": dict,
}
_FILTER_KEYS: dict[str, type | tuple[type, ...]] = {
    "placeholder_words": list,
    "reject_word_like": bool,
    "word_like_min_average": (int, float),
    "reject_repeated": bool,
    "reject_sequential": bool,
    "reject_digits_only": bool,
    "reject_identifiers": bool,
    "reject_keyboard_runs": bool,
    "reject_uuid_ulid": bool,
    "reject_named_digests": bool,
    "reject_generated_names": bool,
    "hex_needs_context": bool,
    "allow_patterns": list,
}
_REQUIRED = ("id", "prefix")


class RuleError(ConfigError):
    """A rule file that cannot be used."""


def _check_table(table: dict[str, Any], schema: dict[str, Any], where: str) -> None:
    for key, value in table.items():
        if key not in schema:
            raise RuleError(f"{where}: unknown key {key!r}")
        expected = schema[key]
        # bool is an int subclass; do not let `min_length = true` through.
        if isinstance(value, bool) and expected is not bool:
            raise RuleError(f"{where}: {key!r} must be {_type_name(expected)}, not a boolean")
        if not isinstance(value, expected):
            raise RuleError(f"{where}: {key!r} must be {_type_name(expected)}")


def _type_name(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return "a number"
    return {str: "a string", int: "an integer", bool: "true or false", list: "a list",
            dict: "a table"}.get(expected, expected.__name__)


def _compile_rule(raw: dict[str, Any], source: str, index: int) -> Rule:
    where = f"{source}: rule #{index + 1}"
    _check_table(raw, _RULE_KEYS, where)
    for key in _REQUIRED:
        if key not in raw:
            raise RuleError(f"{where}: missing required key {key!r}")
    rule_id = raw["id"]
    where = f"{source}: rule {rule_id!r}"
    prefix: str = raw["prefix"]
    if not prefix:
        raise RuleError(f"{where}: 'prefix' must not be empty (it is the literal prefilter)")
    if any(ord(ch) not in range(0x21, 0x7F) for ch in prefix):
        raise RuleError(f"{where}: 'prefix' must be printable ASCII without spaces")
    alphabet: str = raw.get("body_alphabet", "A-Za-z0-9_-")
    try:
        body_bytes = parse_alphabet(alphabet)
    except GrammarError as exc:
        raise RuleError(f"{where}: 'body_alphabet' {alphabet!r}: {exc}") from None
    min_length: int = raw.get("min_length", 16)
    max_length: int = raw.get("max_length", 256)
    if not 1 <= min_length <= max_length <= MAX_REPEAT:
        raise RuleError(f"{where}: need 1 <= min_length <= max_length <= {MAX_REPEAT}")
    ratio = float(raw.get("min_entropy_ratio", 0.7))
    if not 0.0 <= ratio <= 1.0:
        raise RuleError(f"{where}: 'min_entropy_ratio' must be between 0 and 1")
    keywords = raw.get("keywords", [])
    if not all(isinstance(k, str) and k for k in keywords):
        raise RuleError(f"{where}: 'keywords' must be a list of non-empty strings")

    filters_raw: dict[str, Any] = raw.get("filters", {})
    _check_table(filters_raw, _FILTER_KEYS, f"{where} filters")
    words = filters_raw.get("placeholder_words", [])
    if not all(isinstance(w, str) and w for w in words):
        raise RuleError(f"{where}: 'placeholder_words' must be a list of non-empty strings")
    allow: list[AllowPattern] = []
    for pattern in filters_raw.get("allow_patterns", []):
        if not isinstance(pattern, str):
            raise RuleError(f"{where}: 'allow_patterns' must be a list of strings")
        try:
            allow.append(parse_allow_pattern(pattern))
        except GrammarError as exc:
            raise RuleError(f"{where}: 'allow_patterns' {pattern!r}: {exc}") from None

    # Built from the parsed set, every character escaped: no rule text reaches `re`.
    # Greedy over one character class, no backtracking: take the whole run after the
    # prefix, judge it in Python.
    head = re.escape(prefix.encode()) + class_source(body_bytes)
    token_re = re.compile(head + b"*")
    # For scanning: only runs long enough to be a key ever reach Python, so the
    # thousands of `ps-3` utilities in a CSS bundle cost nothing but the C loop.
    candidate_re = re.compile(head + b"{%d,}" % min_length)

    return Rule(
        id=rule_id,
        description=raw.get("description", rule_id),
        prefix=prefix,
        body_alphabet=alphabet,
        min_length=min_length,
        max_length=max_length,
        min_entropy_ratio=ratio,
        keywords=tuple(keywords),
        filters=RuleFilters(
            placeholder_words=tuple(w.lower() for w in words),
            reject_word_like=filters_raw.get("reject_word_like", True),
            word_like_min_average=float(filters_raw.get("word_like_min_average", 4.0)),
            reject_repeated=filters_raw.get("reject_repeated", True),
            reject_sequential=filters_raw.get("reject_sequential", True),
            reject_digits_only=filters_raw.get("reject_digits_only", True),
            reject_identifiers=filters_raw.get("reject_identifiers", True),
            reject_keyboard_runs=filters_raw.get("reject_keyboard_runs", True),
            reject_uuid_ulid=filters_raw.get("reject_uuid_ulid", True),
            reject_generated_names=filters_raw.get("reject_generated_names", True),
            reject_named_digests=filters_raw.get("reject_named_digests", True),
            hex_needs_context=filters_raw.get("hex_needs_context", False),
            allow_patterns=tuple(allow),
        ),
        source=source,
        token_re=token_re,
        candidate_re=candidate_re,
        body_byte_set=body_bytes,
        keywords_lower=tuple(k.lower().encode() for k in keywords),
    )


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return load_toml(text, source)
    except ConfigError as exc:
        raise RuleError(str(exc)) from None


def parse_rule_text(text: str, source: str, *, builtin: bool = False
                    ) -> tuple[list[Rule], str]:
    if builtin:  # psguard's own file: parsed once per version (usercache.py)
        data = parsed_rules(text, lambda t: _parse_toml(t, source))
    else:
        data = _parse_toml(text, source)
    unknown = set(data) - {"version", "rule"}
    if unknown:
        raise RuleError(f"{source}: unknown top-level key {sorted(unknown)[0]!r}")
    rules_raw = data.get("rule", [])
    if not isinstance(rules_raw, list) or not rules_raw:
        raise RuleError(f"{source}: no [[rule]] tables")
    rules = [_compile_rule(r, source, i) for i, r in enumerate(rules_raw)]
    return rules, str(data.get("version", "0"))


def load_rules(extra_files: list[Path] | None = None, *,
               texts: list[tuple[str, str]] | None = None) -> RuleSet:
    """The built-in rules plus any user rule files, in order: files by path, or
    `texts`, (label, text) pairs already read (config.Config.rule_texts reads them
    from the policy's source)."""
    # A plain path, not importlib.resources: that import alone costs the pre-commit hook
    # ~9 ms, and the rule file always ships beside this module.
    builtin = Path(__file__).with_name(BUILTIN).read_text(encoding="utf-8")
    all_texts = [(f"builtin:{BUILTIN}", builtin), *(texts or [])]
    for path in extra_files or []:
        try:  # a regular file under 1 MB only: a repository names these paths
            all_texts.append((str(path), read_capped_text(Path(path), "rule file")))
        except ConfigError as exc:
            raise RuleError(str(exc)) from None
    texts = all_texts
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, (source, body) in enumerate(texts):
        parsed, _version = parse_rule_text(body, source, builtin=i == 0)
        for rule in parsed:
            if rule.id in seen:
                raise RuleError(f"{source}: rule id {rule.id!r} is defined twice")
            seen.add(rule.id)
        rules.extend(parsed)
    return RuleSet(rules=tuple(rules), texts=tuple(body for _, body in texts))
