"""The pre-receive gate's pure parts: git's input lines, the server's settings, push
options and the pusher, the bypass log entries (never a raw key)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from psguard.errors import ConfigError, UsageError
from psguard.hooks import receive_log
from psguard.hooks.prereceive import Update, parse_updates
from psguard.hooks.receive_settings import (
    ServerSettings,
    apply_entry,
    bypass_reason,
    parse_seconds,
    push_options,
    pusher,
)
from psguard.models import Candidate, Finding, Origin
from psguard.sources.prereceive import push_revs
from psguard.testing import make_key

OLD = "a" * 40
NEW = "b" * 40
ZERO = "0" * 40


def test_input_lines_are_old_new_ref() -> None:
    lines = [f"{OLD} {NEW} refs/heads/main", "", f"{NEW} {ZERO} refs/heads/gone"]
    assert parse_updates(lines) == [Update(OLD, NEW, "refs/heads/main"),
                                    Update(NEW, ZERO, "refs/heads/gone")]
    # ref names may hold spaces? git forbids them, but the ref is the rest of the line
    assert parse_updates([f"{OLD} {NEW} refs/heads/a b"])[0].ref == "refs/heads/a b"


@pytest.mark.parametrize("line", [f"{OLD} {NEW}", f"{OLD[:39]} {NEW} refs/heads/x",
                                  f"{OLD} main refs/heads/x", f"{OLD} {NEW} "])
def test_any_other_line_is_refused(line: str) -> None:
    with pytest.raises(UsageError, match="line 1 is not"):
        parse_updates([line])


def test_sha256_ids_are_64_digits() -> None:
    assert parse_updates([f"{'c' * 64} {'d' * 64} refs/heads/x"], id_len=64)
    with pytest.raises(UsageError):
        parse_updates([f"{OLD} {NEW} refs/heads/x"], id_len=64)


def test_push_revs_name_the_new_tips_not_what_the_server_has() -> None:
    assert push_revs([NEW, NEW, OLD]) == [NEW, OLD, "--not", "--all"]
    assert push_revs([]) == []


@pytest.mark.parametrize(("value", "seconds"), [("4", 4.0), ("0.5", 0.5), ("2s", 2.0),
                                                ("250ms", 0.25), ("0", 0.0), (".5", 0.5)])
def test_budget_values(value: str, seconds: float) -> None:
    assert parse_seconds("psguard.budget", value) == seconds


@pytest.mark.parametrize("value", ["", "fast", "-1", "4 minutes", None])
def test_bad_budget_values_are_errors(value: str | None) -> None:
    with pytest.raises(ConfigError, match=r"psguard\.budget"):
        parse_seconds("psguard.budget", value)


def test_settings_from_git_config_entries(tmp_path: Path) -> None:
    s = ServerSettings(tmp_path)
    assert s.budget == 4.0 and not s.accept_on_budget and s.allow_bypass
    assert s.bypass_log == tmp_path / "psguard" / "bypass.log" and not s.push_options
    for key, value in [("receive.advertisepushoptions", None), ("psguard.budget", "1.5"),
                       ("psguard.budgetexhausted", "Accept"), ("psguard.allowbypass", "no"),
                       ("psguard.bypasslog", "logs/b.log"), ("psguard.verify", "true"),
                       ("psguard.endpoint", "https://a.example/v1"),
                       ("psguard.endpoint", "https://b.example/v1"),
                       ("psguard.failon", "live,unknown")]:
        apply_entry(s, key, value, tmp_path)
    assert s.push_options and s.budget == 1.5 and s.accept_on_budget
    assert not s.allow_bypass and s.bypass_log == tmp_path / "logs" / "b.log"
    assert s.verify and s.endpoints == ["https://a.example/v1", "https://b.example/v1"]
    assert s.fail_on == ["live,unknown"]


@pytest.mark.parametrize(("key", "value", "message"), [
    ("psguard.budegt", "1", "unknown psguard setting"),
    ("psguard.verify", "maybe", "expected true or false"),
    ("psguard.budgetexhausted", "ignore", "expected reject or accept"),
    ("psguard.bypasslog", "", "expected a path"),
])
def test_bad_settings_are_errors(tmp_path: Path, key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        apply_entry(ServerSettings(tmp_path), key, value, tmp_path)


def test_push_options_and_the_bypass_reason() -> None:
    env = {"GIT_PUSH_OPTION_COUNT": "3", "GIT_PUSH_OPTION_0": "ci.skip",
           "GIT_PUSH_OPTION_1": "psguard.bypass=first", "GIT_PUSH_OPTION_2":
           "psguard.bypass= revoked fixture = old "}
    assert push_options(env)[0] == "ci.skip"
    assert bypass_reason(push_options(env)) == "revoked fixture = old"
    assert bypass_reason(["psguard.bypass"]) == ""
    assert bypass_reason(["psguard.bypassed=x", "other"]) is None
    assert push_options({}) == [] and push_options({"GIT_PUSH_OPTION_COUNT": "x"}) == []


def test_the_pusher_comes_from_the_hosting_server() -> None:
    assert pusher({"REMOTE_USER": "web", "GITEA_PUSHER_NAME": "gitea"}) == "gitea"
    assert pusher({"GL_USERNAME": "gl", "GITHUB_USER_LOGIN": "gh"}) == "gl"
    assert pusher({"GITHUB_USER_LOGIN": "gh"}) == "gh"
    assert pusher({}) == "unknown"


def test_log_entries_hold_no_raw_key(tmp_path: Path) -> None:
    key = make_key()
    cand = Candidate(rule="poolside-api-key", secret=key, confidence="high",
                     origin=Origin(kind="blob", path="a.py", commit="c" * 40), line=1,
                     column=1, offset=0)
    finding = Finding("poolside-api-key", key, "high", [cand])
    entries = receive_log.key_entries([finding], {"c" * 40: ["refs/heads/main"]},
                                      reason=f"oops {key}", who="ada")
    log = tmp_path / "deep" / "bypass.log"
    receive_log.append(log, entries)
    receive_log.append(log, [receive_log.push_entry(["refs/heads/x"], reason="slow",
                                                    who="bob", event="budget")])
    text = log.read_text()
    assert key not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["ref"] == "refs/heads/main" and first["commits"] == ["c" * 40]
    assert first["redacted"] == f"ps-…{key[-4:]}" and first["reason"].startswith("oops ps-…")
    assert second["event"] == "budget" and second["fingerprint"] is None
