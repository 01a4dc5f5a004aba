"""Mirror clones of remote repositories: cloned once, fetched incrementally after.

`psguard scan --history URL` and `psguard audit` read a remote repository from a bare
mirror in the mirror cache. The mirror's name comes from the URL with its credentials
stripped (psguard.urls), and the full URL is never written into it: each fetch names
the URL on git's command line, with no remote in the mirror's config. A first clone is
made under a temporary name and renamed when complete, so an interrupted one is never
mistaken for a mirror; a later fetch into an existing mirror only adds objects and then
moves refs, so an interrupted fetch leaves the previous mirror intact.

Fetches run with git/fetch.py's safety options (no program the repository's config
names) and only over git's own transports.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from psguard.errors import PsguardError, UsageError
from psguard.git.fetch import fetch_safety
from psguard.git.runner import run_git
from psguard.models import FrozenRecord
from psguard.urls import is_remote, scheme, scrub_credentials, slug, strip_credentials

_TRANSPORTS = ("file", "git", "ssh", "http", "https", "git+ssh", "ssh+git")
_FLAGS = ("--quiet", "--prune", "--no-tags", "--no-recurse-submodules",
          "--upload-pack=git-upload-pack", "--no-write-fetch-head")
_REFSPEC = "+refs/*:refs/*"

# Why a fetch failed, from git's own words (lower case), first match wins.
_REASONS = (
    ("authentication", ("authentication failed", "could not read username",
                        "could not read password", "terminal prompts disabled",
                        "permission denied", "http 401", "http 403", "error: 401",
                        "error: 403", "requested url returned error: 401",
                        "requested url returned error: 403")),
    ("not found", ("not found", "does not appear to be a git repository", "not exported",
                   "no such file or directory", "does not exist",
                   "requested url returned error: 404")),
    ("network", ("could not resolve host", "connection refused", "timed out",
                 "unable to connect", "connection reset", "network is unreachable",
                 "unable to look up", "failed to connect", "early eof",
                 "the remote end hung up", "rpc failed", "couldn't connect", "broken pipe",
                 "packet write failed", "read error", "unexpected disconnect",
                 "connection closed")),
    ("corrupt", ("corrupt", "bad object", "index-pack failed", "fsck", "did not send all",
                 "invalid index-pack", "unpack-objects", "missing blob", "missing tree",
                 "bad pack")),
)
TRANSIENT = frozenset({"network"})


class MirrorError(PsguardError):
    """A repository that could not be fetched; `reason` is one of: not found,
    authentication, network, corrupt, error. Exit 3: nothing was read."""

    exit_code = 3

    def __init__(self, url: str, reason: str, detail: str) -> None:
        self.url = strip_credentials(url)
        self.reason = reason
        self.detail = scrub_credentials(detail)
        super().__init__(f"cannot fetch {self.url}: {reason}"
                         + (f" ({self.detail})" if self.detail else ""))

    @property
    def transient(self) -> bool:
        return self.reason in TRANSIENT


class UnsupportedURLError(UsageError):
    """A URL git would reach through a program of its own choosing (exit 2)."""


class Mirrored(FrozenRecord):
    """A mirror ready to scan: where it is, and whether this run's fetch worked (when
    it did not, the mirror holds what the last fetch brought)."""

    __slots__ = ("path", "fetched", "reason", "detail")

    def __init__(self, path: Path, fetched: bool, reason: str | None = None,
                 detail: str | None = None) -> None:
        self.path = path
        self.fetched = fetched
        self.reason = reason
        self.detail = detail


def mirror_path(url: str, mirror_dir: Path) -> Path:
    """Where url's mirror lives: named by the credential-free URL, never the full one."""
    safe = strip_credentials(url)
    digest = hashlib.sha256(safe.encode()).hexdigest()[:12]
    return mirror_dir / f"{slug(safe)}-{digest}.git"


def check_url(url: str) -> None:
    """Refuse a URL git would reach through a remote helper program (`x::…`, an unknown
    scheme): only git's own transports."""
    if "::" in url.split("/", 1)[0] or not is_remote(url) or scheme(url) not in _TRANSPORTS:
        raise UnsupportedURLError(f"{strip_credentials(url)}: only file, git, ssh, http and "
                                  "https URLs are fetched (no remote helper programs)")


def update_mirror(url: str, path: Path) -> Mirrored:
    """Clone url into path, or fetch what is new into the mirror already there.

    A first clone that fails raises MirrorError; a fetch into an existing mirror that
    fails returns Mirrored(fetched=False) with the reason, so the old mirror is scanned.
    """
    check_url(url)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # One fetch a mirror at a time: a task rerun elsewhere, or a cancelled one still
    # running, must not race this one for the mirror's refs.
    with _locked(path.with_name(f".{path.name}.lock")):
        if _is_mirror(path):
            reason = _fetch(url, path)
            if reason is None:
                return Mirrored(path, True)
            return Mirrored(path, False, reason[0], reason[1])
        tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            run_git(["init", "--quiet", "--bare", str(tmp)], path.parent)
            reason = _fetch(url, tmp)
            if reason is not None:
                raise MirrorError(url, *reason)
            os.replace(tmp, path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return Mirrored(path, True)


@contextlib.contextmanager
def _locked(lock: Path) -> Iterator[None]:
    """An exclusive lock on a file beside the mirror, released when the holder exits
    (even killed: the kernel drops it with the process)."""
    import fcntl

    with open(lock, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _is_mirror(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def _fetch(url: str, path: Path) -> tuple[str, str] | None:
    """None when the fetch worked, else (reason, git's last line, credentials scrubbed)."""
    safety = fetch_safety(path, "origin")  # the mirror has no remote: nothing to refuse
    proc = run_git([*safety.config, "fetch", *_FLAGS, "--end-of-options", url, _REFSPEC],
                   path, check=False, extra_env=safety.env)
    if proc.returncode == 0:
        # the remote's default branch, so HEAD names what the remote's HEAD names
        _set_head(url, path, safety.config, safety.env)
        return None
    text = os.fsdecode(proc.stderr).strip()
    return classify(text), scrub_credentials(_last_line(text))


def _set_head(url: str, path: Path, config: list[str], env: dict[str, str]) -> None:
    proc = run_git([*config, "ls-remote", "--symref", "--end-of-options", url, "HEAD"],
                   path, check=False, extra_env=env)
    for line in os.fsdecode(proc.stdout).splitlines():
        if line.startswith("ref: ") and line.endswith("\tHEAD"):
            ref = line[5:].split("\t", 1)[0]
            if ref.startswith("refs/heads/"):
                run_git(["symbolic-ref", "HEAD", ref], path, check=False)
            return


def classify(stderr: str) -> str:
    """The reason a fetch failed, from what git said."""
    lowered = stderr.lower()
    for reason, needles in _REASONS:
        if any(n in lowered for n in needles):
            return reason
    return "error"


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.lower().startswith(("fatal:", "error:"))]
    return (fatal or lines or [""])[-1][:300]
