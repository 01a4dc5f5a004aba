"""Fetching what a CI checkout lacks from its remote: a commit, a branch, more history.

CI systems clone shallow by default, so a range's base (or the branch a new branch is
compared with) may be missing. Every fetch says whether it worked and whether the
checkout is still shallow afterwards: deepening can reach the root commit, and only a
fetch changes that. Nothing is printed here; `announce` lets the caller say what runs.

A fetch talks to a transport, and a transport can start programs: git takes their
names from the repository's config (`remote.<name>.uploadpack`, `core.sshCommand`,
`core.askPass`, `credential.helper`, `core.gitProxy`, `core.alternateRefsCommand`, a
remote helper by `remote.<name>.vcs` or a `<helper>::` URL). psguard does not trust the
checkout it scans, so no fetch here runs any of them (see fetch_safety): the values
from the system and global config and from the environment are kept, the
repository's own are replaced by git's defaults, and a remote helper is refused.
`http.<url>.extraHeader` is kept from every scope: it names no program, and it is how
actions/checkout hands the fetch its token.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from pathlib import Path

from psguard.errors import UsageError
from psguard.git.runner import run_git
from psguard.models import FrozenRecord

# Told the arguments after `git fetch` (e.g. ["--deepen=50", "origin", sha]) before
# the fetch runs: a fetch can take a while, and a CI log should say why.
Announce = Callable[[list[str]], None]

# Transports git implements itself; every other one is a remote helper program.
_TRANSPORTS = ("file", "git", "ssh", "http", "https")
_FIXED = (
    "protocol.allow=never", "protocol.ext.allow=never", "protocol.fd.allow=never",
    "core.alternateRefsCommand=true",  # else a program of the config's choosing
    "submodule.recurse=false", "fetch.recurseSubmodules=false",
    "http.saveCookies=false",  # else a cookie file written wherever the config says
    "gc.auto=0", "maintenance.auto=false",  # no background gc from a scan
)
_FLAGS = ("--no-recurse-submodules", "--upload-pack=git-upload-pack")
# Keys naming a program (or its arguments) whose repository values are dropped; and
# the user's own policy for the transports kept (the repository's is not asked).
_PROGRAM_KEYS = (r"^(credential\..*helper|core\.(askpass|sshcommand)|ssh\.variant"
                 r"|protocol\.(file|git|ssh|http|https)\.allow)$")
_TRUSTED_SCOPES = ("system", "global", "command")  # not local, worktree
# `<helper>::<address>` and `<scheme>://`: the transport a URL names
_HELPER_URL = re.compile(r"^([A-Za-z0-9][A-Za-z0-9+.-]*)::")
_SCHEME_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_SSH_ALIASES = ("git+ssh", "ssh+git")


class UnsafeRemoteError(UsageError):
    """Fetching from this remote would run a program the repository names (exit 2)."""


class Fetched(FrozenRecord):
    """How a fetch went: whether git succeeded, and the checkout's shallow state after."""

    __slots__ = ("ok", "shallow")

    def __init__(self, ok: bool, shallow: bool) -> None:
        self.ok = ok
        self.shallow = shallow


class FetchSafety(FrozenRecord):
    """The `-c` options and environment that keep a fetch to trusted programs."""

    __slots__ = ("config", "env")

    def __init__(self, config: list[str], env: dict[str, str]) -> None:
        self.config = config  # ["-c", "k=v", ...], before the `fetch` subcommand
        self.env = env


def is_shallow(root: Path) -> bool:
    out = run_git(["rev-parse", "--is-shallow-repository"], root, check=False).stdout
    return out.strip() == b"true"


def fetch(root: Path, remote: str, refspecs: list[str], *,
          announce: Announce | None = None) -> Fetched:
    """Fetch refspecs (a commit id, or `+src:dst`) from remote, without tags."""
    return _fetch(root, [], remote, refspecs, announce)


def deepen(root: Path, remote: str, rev: str, depth: int, *,
           announce: Announce | None = None) -> Fetched:
    """Fetch `depth` more commits of history behind rev."""
    return _fetch(root, [f"--deepen={int(depth)}"], remote, [rev], announce)


def unshallow(root: Path, remote: str, *, announce: Announce | None = None) -> Fetched:
    """Fetch the rest of the history: the checkout is no longer shallow if it works."""
    return _fetch(root, ["--unshallow"], remote, [], announce)


def _fetch(root: Path, options: list[str], remote: str, refspecs: list[str],
           announce: Announce | None) -> Fetched:
    for name in (remote, *refspecs):
        if not name or name.startswith("-"):
            raise UsageError(f"refusing to fetch {name!r}: not a remote or revision")
    safety = fetch_safety(root, remote)
    if announce is not None:
        announce([*options, remote, *refspecs])
    proc = run_git([*safety.config, "fetch", "--quiet", "--no-tags", *_FLAGS, *options,
                    "--end-of-options", remote, *refspecs], root, check=False,
                   extra_env=safety.env)
    return Fetched(proc.returncode == 0, is_shallow(root))


def fetch_safety(root: Path, remote: str) -> FetchSafety:
    """How to fetch from remote with no program the repository's config names; refuses
    (UnsafeRemoteError) a remote that is reached through a remote helper."""
    _refuse_remote_helper(root, remote)
    trusted: dict[str, list[str]] = {}
    for scope, key, value in _program_settings(root):
        if scope in _TRUSTED_SCOPES:
            trusted.setdefault(key, []).append(value)
    env = {}
    # credential.helper: the empty value clears the list; then the trusted ones, in order
    config = ["-c", "credential.helper="]
    for key, values in trusted.items():
        # (a URL with "=" cannot be said as `-c key=value`: that helper is dropped too)
        if key.startswith("credential.") and "=" not in key:
            config += [a for v in values for a in ("-c", f"{key}={v}")]
    # Where git would fall back to the environment after the config, do it here.
    askpass = _last(trusted, "core.askpass") or os.environ.get("SSH_ASKPASS", "")
    ssh = _last(trusted, "core.sshcommand") or shlex.quote(os.environ.get("GIT_SSH") or "ssh")
    config += ["-c", f"core.askPass={askpass}", "-c", f"core.sshCommand={ssh}",
               "-c", f"ssh.variant={_last(trusted, 'ssh.variant') or 'auto'}"]
    for t in _TRANSPORTS:
        policy = _last(trusted, f"protocol.{t}.allow") or "always"
        config += ["-c", f"protocol.{t}.allow={policy}"]
    for option in _FIXED:
        config += ["-c", option]
    # core.gitProxy: the first value git reads wins, and a repository's comes before
    # any `-c`; the environment variable comes before both (empty: no proxy).
    if "GIT_PROXY_COMMAND" not in os.environ:
        env["GIT_PROXY_COMMAND"] = ""
    return FetchSafety(config, env)


def _last(trusted: dict[str, list[str]], key: str) -> str | None:
    values = trusted.get(key)
    return values[-1] if values else None


def _program_settings(root: Path) -> list[tuple[str, str, str]]:
    """(scope, key, value) of every setting that names a fetch program; all taken as
    the repository's own (so dropped) when git cannot say where they come from."""
    proc = run_git(["config", "-z", "--show-scope", "--get-regexp", _PROGRAM_KEYS], root,
                   check=False)
    fields = os.fsdecode(proc.stdout).split("\0")
    out = []
    for scope, entry in zip(fields[::2], fields[1::2], strict=False):
        key, _, value = entry.partition("\n")
        out.append((scope, key, value))
    return out


def _refuse_remote_helper(root: Path, remote: str) -> None:
    vcs = run_git(["config", "--get", f"remote.{remote}.vcs"], root, check=False)
    if vcs.returncode == 0:
        raise UnsafeRemoteError(_helper_message(remote, os.fsdecode(vcs.stdout).strip(),
                                                f"remote.{remote}.vcs"))
    # The URL as git would use it, after url.<base>.insteadOf rewriting.
    url = run_git(["remote", "get-url", remote], root, check=False)
    text = os.fsdecode(url.stdout).strip()
    match = _HELPER_URL.match(text) or _SCHEME_URL.match(text)
    if url.returncode == 0 and match and match.group(1) not in (*_TRANSPORTS,
                                                                 *_SSH_ALIASES):
        raise UnsafeRemoteError(_helper_message(remote, match.group(1),
                                                f"the URL of remote {remote}"))


def _helper_message(remote: str, helper: str, where: str) -> str:
    # only the helper's name, never the URL (it may hold credentials)
    return (f"{where} names the remote helper {helper[:40]!r}, a program git would run "
            "for it: psguard does not run programs named by the repository's config; "
            "fetch the history before psguard runs, or pass --no-fetch")
