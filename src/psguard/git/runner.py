"""Running the git binary safely.

psguard scans repositories it does not trust, so git runs with every option that
keeps a repository's config from naming a program for us to run (fsmonitor, pagers,
external diff and textconv drivers, hooks) and from prompting on the terminal.
"""

from __future__ import annotations

import os
from pathlib import Path

from psguard.errors import PsguardError
from psguard.git.spawn import Completed, run_captured

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from typing import IO  # typing costs the pre-commit hook ~2 ms at run time

SAFE_OPTIONS = (
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.pager=cat",
    "-c", "diff.external=",
    "-c", "log.showSignature=false",  # else `git log` runs the repository's gpg.program
    "-c", "core.untrackedCache=false",
    "-c", "protocol.ext.allow=never",
)


class GitError(PsguardError):
    """git failed in a way the user must hear about (exit 2)."""


def refusal(stderr: bytes) -> GitError | None:
    """git's refusal to touch a repository another user owns (safe.directory, common in
    CI containers), said as git said it with the fix; None for any other failure.
    Every caller must stop on it: reading the directory without git instead would
    silently scan something else than the user asked for."""
    text = stderr.decode("utf-8", "replace")
    if "dubious ownership" not in text:
        return None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    said = next((line for line in lines if "dubious ownership" in line), lines[0])
    fix = next((line for line in lines if line.startswith("git config")), None)
    where = said.rpartition(" at ")[2].strip("'")
    fix = fix or f"git config --global --add safe.directory {where}"
    return GitError(f"git refused the repository: {said.removeprefix('fatal: ')} (it "
                    f"belongs to another user); if you trust it, run: {fix}")


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",  # a scan must not take the index lock
        "GIT_PAGER": "cat",
        "GIT_NO_REPLACE_OBJECTS": "1",  # scan the real objects, not replacements
        "LC_ALL": "C",
    })
    env.pop("GIT_EXTERNAL_DIFF", None)
    return env


# Reading objects must never reach the network: in a partial clone git would
# otherwise try to fetch each missing object from the promisor remote.
NO_FETCH_OPTIONS = (
    "-c", "protocol.allow=never",
    "-c", "protocol.file.allow=never",
    "-c", "protocol.git.allow=never",
    "-c", "protocol.ssh.allow=never",
    "-c", "protocol.http.allow=never",
    "-c", "protocol.https.allow=never",
)


# Every git process maps at most this much pack data unless told otherwise: walks over
# commits and trees (locating, missing objects, ls-tree) jump across the whole pack,
# and with git's defaults (1 GiB windows, no practical limit) each one holds about the
# pack's size in resident memory. Small windows keep the remapping cheap: measured on
# a 237 MB pack, a full `git log --raw` walk took 1.2 s uncapped (350 MB resident) and
# about 1.6 s with these limits (about 240 MB).
WALK_PACK_LIMIT_MB = 128
_WALK_WINDOW = "1m"
_WALK_DELTA_CACHE = "48m"


def memory_options(pack_limit_mb: int | None, delta_cache_mb: int = 32) -> tuple[str, ...]:
    """Bound how much of the packs one git process maps (and so its resident memory).

    None: the limits for walks (WALK_PACK_LIMIT_MB, 1 MB windows). A number: readers
    in (reverse) pack order (sequential, so larger windows); they run as fast with 64 MB as
    without limits. 0: no limits, for short listings that git would slow down by
    remapping (types of deltas). delta_cache_mb: the readers' delta base cache.
    """
    if pack_limit_mb == 0:
        return ()
    if pack_limit_mb is None:
        return ("-c", f"core.packedGitWindowSize={_WALK_WINDOW}",
                "-c", f"core.packedGitLimit={WALK_PACK_LIMIT_MB}m",
                "-c", f"core.deltaBaseCacheLimit={_WALK_DELTA_CACHE}")
    window = max(8, pack_limit_mb // 4)
    return ("-c", f"core.packedGitWindowSize={window}m",
            "-c", f"core.packedGitLimit={pack_limit_mb}m",
            "-c", f"core.deltaBaseCacheLimit={delta_cache_mb}m")


def git_command(args: list[str], cwd: Path | str, *, no_fetch: bool = False,
                pack_limit_mb: int | None = None, delta_cache_mb: int = 32) -> list[str]:
    extra: tuple[str, ...] = NO_FETCH_OPTIONS if no_fetch else ()
    extra += memory_options(pack_limit_mb, delta_cache_mb)
    return ["git", *SAFE_OPTIONS, *extra, "-C", str(cwd), *args]


def no_fetch_env() -> dict[str, str]:
    env = git_env()
    env["GIT_NO_LAZY_FETCH"] = "1"  # git >= 2.44; the protocol options cover older ones
    return env


def popen_git(args: list[str], cwd: Path | str, *, stdin: bool = False,
              stderr: bool = True, pack_limit_mb: int | None = None,
              delta_cache_mb: int = 32) -> subprocess.Popen[bytes]:
    """A long-lived git process (cat-file readers, log walks); never fetches."""
    import subprocess

    from psguard.git.children import track

    try:
        proc = subprocess.Popen(
            git_command(args, cwd, no_fetch=True, pack_limit_mb=pack_limit_mb,
                        delta_cache_mb=delta_cache_mb),
            env=no_fetch_env(),
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if stderr else subprocess.DEVNULL, bufsize=1 << 18)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    return track(proc)


def spawn_git(args: list[str], cwd: Path | str, *, stdout: IO[bytes],
              stderr: IO[bytes] | None = None, stdin: IO[bytes] | None = None,
              pack_limit_mb: int | None = None, delta_cache_mb: int = 32
              ) -> subprocess.Popen[bytes]:
    """A git walk that runs alongside a scan, writing to files: nothing has to read
    its output meanwhile (an unread pipe would stop it). Never fetches; walk limits
    unless others are given (memory_options)."""
    import subprocess

    from psguard.git.children import track

    try:
        proc = subprocess.Popen(
            git_command(args, cwd, no_fetch=True, pack_limit_mb=pack_limit_mb,
                        delta_cache_mb=delta_cache_mb), env=no_fetch_env(),
            stdin=subprocess.DEVNULL if stdin is None else stdin, stdout=stdout,
            stderr=subprocess.DEVNULL if stderr is None else stderr)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    return track(proc)


def run_git(args: list[str], cwd: Path | str, *, input: bytes | None = None,
            check: bool = True, no_fetch: bool = False,
            extra_env: dict[str, str] | None = None) -> Completed:
    env = no_fetch_env() if no_fetch else git_env()
    env.update(extra_env or {})
    command = git_command(args, cwd, no_fetch=no_fetch)
    try:
        proc = run_captured(command, env, input)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if proc.returncode != 0 and (refused := refusal(proc.stderr)) is not None:
        raise refused
    if check and proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[-1] if message else proc.returncode}")
    return proc
