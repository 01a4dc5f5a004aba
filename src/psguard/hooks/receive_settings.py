"""The pre-receive gate's settings, from the server side only.

A push must not be able to weaken the gate that judges it, so nothing here reads the
pushed content or a work tree: the settings are the receiving repository's git config
(`psguard.*`, with git's system and global files below it), a file in git config
format that the hook script names (`--settings FILE`, for servers where the
repository's config is not the administrator's to edit), and the options the hook
script passes (`--config`, `--fail-on`). Unknown `psguard.*` keys and bad values are
errors: the hook then rejects every push with one line saying which (fail closed), as
a typo must never open the gate.

    psguard.budget          seconds the check may take (default 4; "250ms"; 0: none)
    psguard.budgetExhausted reject (default) | accept: what an exhausted budget does
    psguard.allowBypass     true (default) | false: honour `-o psguard.bypass=<reason>`
    psguard.bypassLog       where bypasses are logged (default <git-dir>/psguard/bypass.log)
    psguard.config          a TOML file on the server (.psguard.toml keys: rules, exclude,
                            min_confidence, max_file_size, decode, baseline)
    psguard.verify          true | false (default): verify found keys
    psguard.endpoint        a verification endpoint (repeatable)
    psguard.failOn          statuses that block (default any)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from psguard.errors import ConfigError
from psguard.git.config import config_entries
from psguard.models import Record

DEFAULT_BUDGET = 4.0  # seconds: inside GitHub Enterprise Server's 5 s for all hooks
_KEYS = ("psguard.budget", "psguard.budgetexhausted", "psguard.allowbypass",
         "psguard.bypasslog", "psguard.config", "psguard.verify", "psguard.endpoint",
         "psguard.failon")
_ADVERTISE = "receive.advertisepushoptions"
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0", "")
_SECONDS = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s)?\s*$", re.IGNORECASE)
BYPASS_OPTION = "psguard.bypass"
PUSHER_VARIABLES = ("GL_USERNAME", "GITEA_PUSHER_NAME", "GITHUB_USER_LOGIN", "REMOTE_USER")


class ServerSettings(Record):
    __slots__ = ("budget", "accept_on_budget", "allow_bypass", "bypass_log", "config",
                 "verify", "endpoints", "fail_on", "push_options")

    def __init__(self, git_dir: Path) -> None:
        self.budget = DEFAULT_BUDGET  # seconds; 0: no budget
        self.accept_on_budget = False
        self.allow_bypass = True
        self.bypass_log = git_dir / "psguard" / "bypass.log"
        self.config: Path | None = None
        self.verify = False
        self.endpoints: list[str] = []
        self.fail_on: list[str] = []
        self.push_options = False  # receive.advertisePushOptions: clients may send -o


def _bool(key: str, value: str | None) -> bool:
    if value is None:  # `[psguard] verify` with no value is true, as git reads it
        return True
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ConfigError(f"git config {key}: expected true or false, got {value!r}")


def parse_seconds(key: str, value: str | None) -> float:
    """`4`, `0.5`, `2s`, `250ms` -> seconds; 0 turns the budget off."""
    m = _SECONDS.match(value or "")
    if not m:
        raise ConfigError(f"git config {key}: expected seconds such as 4, 0.5 or 250ms, "
                          f"got {value!r}")
    number = float(m.group(1))
    return number / 1000 if (m.group(2) or "s").lower() == "ms" else number


def _path(key: str, value: str | None, git_dir: Path) -> Path:
    if not value:
        raise ConfigError(f"git config {key}: expected a path")
    path = Path(value).expanduser()
    return path if path.is_absolute() else git_dir / path


def apply_entry(settings: ServerSettings, key: str, value: str | None,
                git_dir: Path) -> None:
    """One `git config` entry (key as git prints it: lower case) into settings."""
    if key == _ADVERTISE:
        settings.push_options = _bool(key, value)
    elif key == "psguard.budget":
        settings.budget = parse_seconds(key, value)
    elif key == "psguard.budgetexhausted":
        choice = (value or "").strip().lower()
        if choice not in ("reject", "accept"):
            raise ConfigError(f"git config {key}: expected reject or accept, got {value!r}")
        settings.accept_on_budget = choice == "accept"
    elif key == "psguard.allowbypass":
        settings.allow_bypass = _bool(key, value)
    elif key == "psguard.bypasslog":
        settings.bypass_log = _path(key, value, git_dir)
    elif key == "psguard.config":
        settings.config = _path(key, value, git_dir)
    elif key == "psguard.verify":
        settings.verify = _bool(key, value)
    elif key == "psguard.endpoint":
        settings.endpoints.append(value or "")
    elif key == "psguard.failon":
        settings.fail_on.append(value or "")
    else:
        raise ConfigError(f"git config {key}: unknown psguard setting (known: "
                          f"{', '.join(_KEYS)})")


def server_settings(root: Path, git_dir: Path, file: Path | None = None) -> ServerSettings:
    """The settings of the repository receiving the push: its git config, then the
    git-config-format file the hook script names (`--settings`), whose values win."""
    settings = ServerSettings(git_dir)
    pattern = rf"^(psguard\.|{re.escape(_ADVERTISE)}$)"
    entries = config_entries(root, pattern)
    if file is not None:
        if not file.is_file():  # a missing settings file must not mean "defaults"
            raise ConfigError(f"--settings {file}: no such file")
        entries += config_entries(root, pattern, file)
    for key, value in entries:
        apply_entry(settings, key, value, git_dir)
    return settings


def push_options(env: Mapping[str, str]) -> list[str]:
    """The push options the client sent (`git push -o`), as git hands them to the hook."""
    try:
        count = int(env.get("GIT_PUSH_OPTION_COUNT", "0") or 0)
    except ValueError:
        return []
    return [env.get(f"GIT_PUSH_OPTION_{i}", "") for i in range(max(0, count))]


def bypass_reason(options: list[str]) -> str | None:
    """The reason given with `-o psguard.bypass=<reason>` (the last one wins); "" when
    the option came without a reason; None when it was not given."""
    reason: str | None = None
    for option in options:
        name, sep, value = option.partition("=")
        if name.strip() == BYPASS_OPTION:
            reason = value.strip() if sep else ""
    return reason


def pusher(env: Mapping[str, str]) -> str:
    """Who pushed, as the hosting server says: GitLab, Gitea/Forgejo, GitHub Enterprise
    Server, then a web server's REMOTE_USER; "unknown" on a plain ssh or file server."""
    for name in PUSHER_VARIABLES:
        if env.get(name):
            return env[name]
    return "unknown"
