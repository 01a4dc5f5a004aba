"""`psguard install`: native git hooks for repositories without the pre-commit framework.

Each hook is a small POSIX shell script that runs `<this interpreter> -m psguard hook
NAME`. A hook that was already there is kept as NAME.psguard-orig and runs first (with
the same arguments and standard input); if it fails, its exit code stands. Any failure
of psguard itself (a crash, a missing interpreter) blocks: the hook fails closed.
`--uninstall` puts the original back.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from pathlib import Path

from psguard.errors import PsguardError
from psguard.escape import terminal
from psguard.git.hooks_dir import hooks_dir
from psguard.git.snapshot import open_snapshot
from psguard.models import Record

MARKER = "# psguard-hook v1"
ORIG_SUFFIX = ".psguard-orig"


# Python code the hooks run with -c. Not `python -m psguard`: -m and -c put the current
# directory first on the import path, and git runs hooks at the top of the work tree,
# where a repository's own psguard/ would run instead of psguard.
SAFE_PATH = 'import sys; sys.path[:1] == [""] and sys.path.pop(0)'
MAIN = f"{SAFE_PATH}; from psguard.cli import main; raise SystemExit(main())"


class InstallError(PsguardError):
    """A hook that cannot be installed or removed safely (exit 2)."""


def script(name: str, python: str) -> str:
    server = name == "pre-receive"
    bypass = "git push -o psguard.bypass=<reason> (logged)" if server else "git's --no-verify"
    fix = ("the server's administrator must fix this; no push goes in meanwhile" if server
           else "bypass deliberately with --no-verify")
    stdin_setup = ""
    run_orig = '"$orig" "$@"'
    run_psguard = f'"$PSGUARD_PYTHON" -c "$PSGUARD_MAIN" hook {name} -- "$@"'
    if name in ("pre-push", "pre-receive"):
        # git writes the refs being pushed to standard input: both hooks need them.
        stdin_setup = ('input=$(cat)\n')
        run_orig = 'printf "%s\\n" "$input" | "$orig" "$@"'
        run_psguard = (f'printf "%s\\n" "$input" | "$PSGUARD_PYTHON" -c "$PSGUARD_MAIN" '
                       f'hook {name} -- "$@"')
    return f"""#!/bin/sh
{MARKER}: {name}
# Installed by `psguard install`; `psguard install --uninstall` removes it and restores
# the hook it replaced (kept next to it as {name}{ORIG_SUFFIX}, which runs first).
# Bypass deliberately: {bypass}.
PSGUARD_PYTHON={shlex.quote(python)}
# Not `python -m psguard`: a psguard/ folder at the top of the work tree, where git
# runs hooks, would run instead of psguard. (-c, not -m: no runpy to import.)
PSGUARD_SAFE={shlex.quote(SAFE_PATH)}
PSGUARD_MAIN={shlex.quote(MAIN)}
{stdin_setup}orig="$(dirname "$0")/{name}{ORIG_SUFFIX}"
if [ -x "$orig" ]; then
    {run_orig}
    status=$?
    if [ $status -ne 0 ]; then
        exit $status
    fi
fi
{run_psguard}
status=$?
if [ $status -ne 0 ] && ! "$PSGUARD_PYTHON" -c "$PSGUARD_SAFE; import psguard" >/dev/null 2>&1; then
    echo "psguard: cannot run psguard with $PSGUARD_PYTHON, so the {name} hook blocked" \\
         "this change (fail closed)." >&2
    echo "psguard: reinstall psguard there, or run 'psguard install' again from the" \\
         "environment that has it; {fix}." >&2
    exit 2
fi
exit $status
"""


def is_ours(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return MARKER.encode() in fh.read(4096)
    except OSError:
        return False


class Outcome(Record):
    __slots__ = ("name", "action", "path")

    def __init__(self, name: str, action: str, path: Path) -> None:
        self.name = name
        # installed | updated | chained | removed | restored | absent | foreign
        self.action = action
        self.path = path


def _write_executable(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.psguard-tmp")
    tmp.write_text(text, encoding="utf-8")
    mode = tmp.stat().st_mode
    tmp.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.replace(tmp, path)


def install_one(directory: Path, name: str, python: str, force: bool) -> Outcome:
    target = directory / name
    orig = directory / f"{name}{ORIG_SUFFIX}"
    exists = target.exists() or target.is_symlink()
    if exists and is_ours(target):
        _write_executable(target, script(name, python))
        return Outcome(name, "updated", target)
    if exists:
        if target.is_dir() and not target.is_symlink():
            raise InstallError(f"{target} is a directory, not a hook; not touching it")
        if orig.exists() or orig.is_symlink():
            if not force:
                raise InstallError(
                    f"{target} exists and so does {orig.name} (left from an earlier "
                    "install?): psguard will not overwrite either. Move one of them away, "
                    "or pass --force to replace the old backup with the current hook")
            orig.unlink()
        os.replace(target, orig)  # a symlink moves as a symlink: it still points home
        _write_executable(target, script(name, python))
        return Outcome(name, "chained", target)
    _write_executable(target, script(name, python))
    return Outcome(name, "installed", target)


def uninstall_one(directory: Path, name: str) -> Outcome:
    target = directory / name
    orig = directory / f"{name}{ORIG_SUFFIX}"
    if not (target.exists() or target.is_symlink()):
        return Outcome(name, "absent", target)
    if not is_ours(target):
        return Outcome(name, "foreign", target)
    if orig.exists() or orig.is_symlink():
        os.replace(orig, target)
        return Outcome(name, "restored", target)
    target.unlink()
    return Outcome(name, "removed", target)


_MESSAGES = {
    "installed": "installed {name} hook: {path}",
    "updated": "updated psguard's {name} hook: {path}",
    "chained": "installed {name} hook: {path}; your existing hook is kept as "
               "{name}" + ORIG_SUFFIX + " and runs first",
    "removed": "removed psguard's {name} hook: {path}",
    "restored": "removed psguard's {name} hook and restored your original: {path}",
    "absent": "no {name} hook to remove at {path}",
    "foreign": "{path} was not installed by psguard; left as it is",
}


def install_command(path: Path, *, hooks: list[str], uninstall: bool, force: bool) -> int:
    directory = hooks_dir(path)
    if not uninstall:
        directory.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    outcomes = []
    for name in dict.fromkeys(hooks):
        outcome = uninstall_one(directory, name) if uninstall else \
            install_one(directory, name, python, force)
        outcomes.append(outcome)
        # the path comes from core.hooksPath: the repository's own setting
        print("psguard: " + terminal(_MESSAGES[outcome.action].format(name=name,
                                                                     path=outcome.path)))
    if not uninstall and (open_snapshot(path).root / ".pre-commit-config.yaml").exists():
        print("psguard: note: this repository has a .pre-commit-config.yaml; with the "
              "pre-commit framework you can use psguard's hooks from there instead")
    return 0
