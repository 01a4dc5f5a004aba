"""Where git runs a repository's hooks from: core.hooksPath when set, else the hooks
directory of the (common) git directory. `psguard install` writes its hooks there.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from psguard.errors import NotARepositoryError
from psguard.git.runner import GitError, git_command, git_env, refusal


def hooks_dir(path: Path) -> Path:
    """The hooks directory of the repository holding path (relative paths git gives
    are taken from path), or NotARepositoryError (exit 2)."""
    if not path.exists():
        raise NotARepositoryError(f"{path}: no such directory")
    try:
        proc = subprocess.run(_command(path), capture_output=True, env=git_env())
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if proc.returncode != 0:
        if (refused := refusal(proc.stderr)) is not None:
            raise refused
        raise NotARepositoryError(f"{path}: not a git repository "
                                  "(run inside a repository or pass its path)")
    out = Path(os.fsdecode(proc.stdout.rstrip(b"\n")))
    return out if out.is_absolute() else (path / out)


def _command(path: Path) -> list[str]:
    """The runner's command with every safety option but one: core.hooksPath=/dev/null
    (it keeps other git calls from running a repository's hooks) would hide the very
    setting asked for. `rev-parse --git-path` runs no hook, so nothing is lost."""
    cmd = git_command(["rev-parse", "--git-path", "hooks"], path)
    out: list[str] = []
    i = 0
    while i < len(cmd):
        if cmd[i] == "-c" and i + 1 < len(cmd) and \
                cmd[i + 1].lower().startswith("core.hookspath="):
            i += 2
            continue
        out.append(cmd[i])
        i += 1
    return out
