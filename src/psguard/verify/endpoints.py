"""Where keys may be sent, and how verification behaves: the endpoint policy.

Endpoints come only from places the user controls, first match wins:

1. ``--endpoint URL`` (repeatable),
2. the ``PSGUARD_ENDPOINTS`` environment variable (URLs separated by commas or spaces),
3. ``endpoints`` in the ``[verify]`` table of the user's config file
   (``$XDG_CONFIG_HOME/psguard/config.toml``, default ``~/.config/psguard/config.toml``),
4. the default: Poolside-hosted inference, ``https://inference.poolside.ai/v1``.

Never from scanned content and never from a config file inside a scanned repository
(config.py drops ``endpoints`` there with a warning). URLs must be HTTPS; plain HTTP is
accepted only for loopback hosts (local emulators, tests).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from psguard.config import read_toml
from psguard.errors import ConfigError
from psguard.models import Record
from psguard.usercache import is_inside

DEFAULT_ENDPOINTS = ["https://inference.poolside.ai/v1"]
ENV_ENDPOINTS = "PSGUARD_ENDPOINTS"
ENV_CA_BUNDLE = "PSGUARD_CA_BUNDLE"


class VerifySettings(Record):
    """Tunables; every one can be set in the user config's ``[verify]`` table."""

    __slots__ = ("concurrency", "rate", "connect_timeout", "read_timeout", "deadline",
                 "retries", "backoff", "max_retry_after", "cache", "cache_ttl_live",
                 "cache_ttl_rejected")

    def __init__(self, *, concurrency: int = 16, rate: float = 100.0,
                 connect_timeout: float = 5.0, read_timeout: float = 10.0,
                 deadline: float = 60.0, retries: int = 3, backoff: float = 0.5,
                 max_retry_after: float = 30.0, cache: bool = True,
                 cache_ttl_live: float = 600.0, cache_ttl_rejected: float = 86400.0) -> None:
        self.concurrency = concurrency  # requests in flight at once, over all endpoints
        self.rate = rate  # requests per second, per endpoint
        self.connect_timeout = connect_timeout  # seconds
        self.read_timeout = read_timeout  # seconds
        self.deadline = deadline  # seconds for the whole verification; then unknown
        self.retries = retries  # extra attempts after a 429/502/503/504
        self.backoff = backoff  # seconds; doubled per attempt, with full jitter
        self.max_retry_after = max_retry_after  # a longer Retry-After gives up (unknown)
        self.cache = cache
        self.cache_ttl_live = cache_ttl_live  # seconds a "live" answer is reused
        self.cache_ttl_rejected = cache_ttl_rejected  # seconds a "rejected" one is reused


class UserConfig(Record):
    __slots__ = ("path", "enabled", "endpoints", "settings")

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.enabled = False  # [verify] enabled = true: verify on every scan
        self.endpoints: list[str] = []
        self.settings = VerifySettings()


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "psguard" / "config.toml"


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    return _is_loopback(urlsplit(url).hostname or "")


def normalize_endpoint(url: str, where: str) -> str:
    """Validate one base URL (``https://host[:port]/path``); return it without a trailing /."""
    raw = url.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise ConfigError(f"{where}: {raw!r} is not a valid URL") from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigError(f"{where}: {raw!r} is not an http(s) URL such as "
                          f"{DEFAULT_ENDPOINTS[0]}")
    if parts.scheme == "http" and not _is_loopback(host):
        raise ConfigError(f"{where}: {raw!r} uses plain HTTP; keys are only sent over "
                          "HTTPS (plain HTTP is allowed for loopback addresses only)")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(f"{where}: {raw!r} must not carry a user name or password")
    if parts.query or parts.fragment:
        raise ConfigError(f"{where}: {raw!r} must not have a query or fragment")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def _dedup(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _number(value: Any, key: str, where: str, kind: type) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where}: [verify] {key!r} must be a number")
    if kind is int and not isinstance(value, int):
        raise ConfigError(f"{where}: [verify] {key!r} must be a whole number")
    if value < 0:
        raise ConfigError(f"{where}: [verify] {key!r} must not be negative")
    return kind(value)


_POSITIVE = {"concurrency", "rate", "connect_timeout", "read_timeout", "deadline"}


def load_user_config(path: Path | None = None) -> UserConfig:
    """The user's own config file; a missing file means defaults."""
    path = path or user_config_path()
    if not path.is_file():
        return UserConfig()
    data = read_toml(path)
    where = str(path)
    cfg = UserConfig(path=path)
    table = data.get("verify", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [verify] must be a table")
    known = set(VerifySettings._fields)
    for key, value in table.items():
        if key == "endpoints":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: [verify] 'endpoints' must be a list of URLs")
            cfg.endpoints = _dedup([normalize_endpoint(v, where) for v in value])
        elif key == "enabled" or key == "cache":
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: [verify] {key!r} must be true or false")
            if key == "enabled":
                cfg.enabled = value
            else:
                cfg.settings.cache = value
        elif key in known:
            kind = int if key in ("concurrency", "retries") else float
            number = _number(value, key, where, kind)
            if key in _POSITIVE and number <= 0:
                raise ConfigError(f"{where}: [verify] {key!r} must be greater than 0")
            setattr(cfg.settings, key, number)
        else:
            raise ConfigError(f"{where}: unknown key {key!r} in [verify]")
    return cfg


class EndpointChoice(Record):
    __slots__ = ("endpoints", "source", "user", "warnings")

    def __init__(self, endpoints: list[str], source: str, user: UserConfig,
                 warnings: list[str]) -> None:
        self.endpoints = endpoints
        self.source = source  # "--endpoint" | "PSGUARD_ENDPOINTS" | the config path | "default"
        self.user = user
        self.warnings = warnings


def resolve_endpoints(cli_endpoints: list[str] | None = None,
                      scanned_root: Path | None = None,
                      environ: dict[str, str] | None = None,
                      user_config: Path | None = None) -> EndpointChoice:
    """The endpoints keys may be sent to, from the allowed sources only."""
    env = os.environ if environ is None else environ
    warnings: list[str] = []
    path = user_config or user_config_path()
    if scanned_root is not None and is_inside(path, scanned_root):
        # A user config that lives inside the scanned tree could be planted by it.
        warnings.append(f"{path}: ignoring the user config: it is inside the scanned "
                        "directory")
        user = UserConfig()
    else:
        user = load_user_config(path)
    if cli_endpoints:
        eps = [normalize_endpoint(u, "--endpoint") for u in cli_endpoints]
        return EndpointChoice(_dedup(eps), "--endpoint", user, warnings)
    env_value = env.get(ENV_ENDPOINTS, "").strip()
    if env_value:
        items = [u for u in env_value.replace(",", " ").split() if u]
        eps = [normalize_endpoint(u, ENV_ENDPOINTS) for u in items]
        return EndpointChoice(_dedup(eps), ENV_ENDPOINTS, user, warnings)
    if user.endpoints:
        return EndpointChoice(list(user.endpoints), str(user.path), user, warnings)
    return EndpointChoice(list(DEFAULT_ENDPOINTS), "default", user, warnings)
