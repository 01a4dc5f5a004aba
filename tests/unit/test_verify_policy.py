"""The endpoint policy, user config, cache and small parsers of psguard.verify, in-process."""

from __future__ import annotations

import email.utils
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from psguard.errors import ConfigError
from psguard.testing import make_key
from psguard.verify.cache import VerifyCache, entry_key
from psguard.verify.client import RateLimiter, parse_retry_after, scrub, ssl_context
from psguard.verify.endpoints import (
    DEFAULT_ENDPOINTS,
    load_user_config,
    normalize_endpoint,
    resolve_endpoints,
    user_config_path,
)
from psguard.verify.run import read_keys


@pytest.mark.parametrize("url, expected", [
    ("https://inference.poolside.ai/v1/", "https://inference.poolside.ai/v1"),
    ("https://api.example.com/openai/v1", "https://api.example.com/openai/v1"),
    ("HTTPS://API.Example.com:8443/openai/v1", "https://api.example.com:8443/openai/v1"),
    ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
    ("http://127.0.0.2/v1", "http://127.0.0.2/v1"),
    ("http://localhost:9/v1", "http://localhost:9/v1"),
    ("http://[::1]:9/v1", "http://[::1]:9/v1"),
])
def test_accepted_endpoints(url: str, expected: str) -> None:
    assert normalize_endpoint(url, "--endpoint") == expected


@pytest.mark.parametrize("url, message", [
    ("http://inference.poolside.ai/v1", "plain HTTP"),
    ("http://10.0.0.1/v1", "plain HTTP"),
    ("http://127.0.0.1.nip.io/v1", "plain HTTP"),
    ("inference.poolside.ai/v1", "not an http"),
    ("file:///etc/passwd", "not an http"),
    ("https://user@api.example.com/v1", "user name"),
    ("https://api.example.com/v1?x=1", "query"),
    ("https://api.example.com:99999/v1", "not a valid URL"),
])
def test_refused_endpoints(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        normalize_endpoint(url, "--endpoint")


def _user_config(root: Path, body: str) -> Path:
    path = root / "psguard" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


def test_sources_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("PSGUARD_ENDPOINTS", raising=False)
    assert user_config_path() == tmp_path / "psguard" / "config.toml"
    assert resolve_endpoints().endpoints == DEFAULT_ENDPOINTS
    assert resolve_endpoints().source == "default"

    _user_config(tmp_path, '[verify]\nendpoints = ["https://a.example/openai/v1"]\n')
    choice = resolve_endpoints()
    assert choice.endpoints == ["https://a.example/openai/v1"]
    assert choice.source.endswith("config.toml")

    monkeypatch.setenv("PSGUARD_ENDPOINTS", "https://b.example/v1, https://c.example/v1")
    assert resolve_endpoints().endpoints == ["https://b.example/v1", "https://c.example/v1"]

    cli = ["https://d.example/v1", "https://d.example/v1/"]
    assert resolve_endpoints(cli).endpoints == ["https://d.example/v1"]


def test_home_config_without_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_config_path() == tmp_path / ".config" / "psguard" / "config.toml"


def test_user_config_inside_scanned_tree_is_ignored(tmp_path: Path) -> None:
    path = _user_config(tmp_path / "repo" / "cfg", '[verify]\nendpoints = ["https://x.example/v1"]\n')
    choice = resolve_endpoints(None, tmp_path / "repo", environ={}, user_config=path)
    assert choice.endpoints == DEFAULT_ENDPOINTS
    assert "inside the scanned directory" in choice.warnings[0]


def test_user_config_settings(tmp_path: Path) -> None:
    path = _user_config(tmp_path, "[verify]\nenabled = true\nconcurrency = 4\nrate = 2.5\n"
                                  "deadline = 30\ncache = false\ncache_ttl_live = 0\n")
    cfg = load_user_config(path)
    assert cfg.enabled and cfg.settings.concurrency == 4 and cfg.settings.rate == 2.5
    assert cfg.settings.deadline == 30.0 and not cfg.settings.cache
    assert cfg.settings.cache_ttl_live == 0


@pytest.mark.parametrize("body, message", [
    ("[verify]\nendpoint = 'https://a.example/v1'\n", "unknown key 'endpoint'"),
    ("[verify]\nconcurrency = 0\n", "greater than 0"),
    ("[verify]\nretries = 1.5\n", "whole number"),
    ("[verify]\nrate = 'fast'\n", "must be a number"),
    ("[verify]\ncache_ttl_live = -1\n", "negative"),
    ("[verify]\nendpoints = 'https://a.example/v1'\n", "list of URLs"),
    ("[verify]\nendpoints = ['http://a.example/v1']\n", "plain HTTP"),
    ("verify = 1\n", "must be a table"),
    ("[verify\n", "not valid TOML"),
])
def test_user_config_errors(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_user_config(_user_config(tmp_path, body))


def test_retry_after() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (parse_retry_after(later) or 0) <= 31
    assert parse_retry_after(email.utils.formatdate(0, usegmt=True)) == 0.0


def test_cache_entries(tmp_path: Path) -> None:
    key = make_key()
    path = tmp_path / "c" / "verify.json"
    cache = VerifyCache(path, ttl_live=60, ttl_rejected=3600)
    cache.put(key, "https://a.example/v1", "live", "accepted", 200)
    cache.put(key, "https://b.example/v1", "rejected", "401", 401)
    cache.put(key, "https://c.example/v1", "unknown", "timeout", None)
    cache.save()
    text = path.read_text()
    assert key not in text and key[3:] not in text
    assert entry_key(key, "https://a.example/v1") in text
    again = VerifyCache(path, ttl_live=60, ttl_rejected=3600)
    hit = again.get(key, "https://a.example/v1")
    assert hit is not None and hit.outcome == "live"
    assert again.get(key, "https://c.example/v1") is None
    # A shorter TTL configured later applies to old entries too.
    shorter = VerifyCache(path, ttl_live=0.000001, ttl_rejected=3600)
    assert shorter.get(key, "https://a.example/v1") is None
    assert shorter.get(key, "https://b.example/v1") is not None
    # A damaged cache is not an error: it is ignored and rewritten.
    path.write_text("{not json")
    broken = VerifyCache(path)
    assert broken.get(key, "https://b.example/v1") is None
    broken.put(key, "https://b.example/v1", "rejected", "401", 401)
    broken.save()
    assert json.loads(path.read_text())["version"] == 1


def test_read_keys_and_scrub() -> None:
    a, b = make_key(), make_key()
    keys, bad = read_keys(io.StringIO(f"# comment\n{a}\n\n {a} \nBearer {b}\nhello\n"))
    assert keys == [a, b] and bad == ["hello"]
    assert scrub(f"oops {a} leaked", a) == f"oops ps-…{a[-4:]} leaked"


def test_scan_without_verify_never_imports_httpx() -> None:
    code = ("import sys, io; from psguard.cli import main; "
            "sys.stdin = io.TextIOWrapper(io.BytesIO(sys.argv[1].encode())); "
            "rc = main(['scan', '--stdin', '--format', 'json']); "
            "print('httpx' in sys.modules, rc, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, f"poolside key {make_key()}\n"],
                          capture_output=True, text=True)
    assert proc.stderr.strip().endswith("False 1"), proc.stderr


def test_rate_limiter_reserves_slots() -> None:
    limiter = RateLimiter(rate=10, burst=2)
    waits = [limiter.reserve() for _ in range(5)]
    assert waits[:2] == [0.0, 0.0]
    for got, want in zip(waits[2:], (0.1, 0.2, 0.3), strict=True):
        assert want - 0.02 <= got <= want


def test_ca_bundle_errors_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PSGUARD_CA_BUNDLE: cannot load"):
        ssl_context({"PSGUARD_CA_BUNDLE": str(tmp_path / "missing.pem")})
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(ConfigError, match="PSGUARD_CA_BUNDLE"):
        ssl_context({"PSGUARD_CA_BUNDLE": str(tmp_path / "junk.pem")})
