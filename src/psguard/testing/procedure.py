"""Following printed guidance literally: psguard and git-filter-repo on PATH, the `$`
commands of a text report, and one shell that stops at the first failure."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path


def psguard_on_path(tmp_path: Path) -> dict[str, str]:
    """PATH with `psguard` (this checkout, as the tests run it) and git-filter-repo (the
    test extra installs it beside the interpreter)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "psguard"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m psguard "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    tools = Path(sys.executable).parent
    assert (tools / "git-filter-repo").exists(), "the test extra installs git-filter-repo"
    return {"PATH": f"{bin_dir}{os.pathsep}{tools}{os.pathsep}{os.environ['PATH']}",
            "NO_COLOR": "1"}


def text_commands(report: str) -> list[str]:
    """The commands of a text report (`$ ` lines), each with its continuation lines
    (a trailing backslash) kept as the shell reads them."""
    commands: list[str] = []
    lines = iter(report.splitlines())
    for line in lines:
        text = line.strip()
        if not text.startswith("$ "):
            continue
        command = text[2:]
        while command.endswith("\\"):
            command += "\n" + next(lines).strip()
        commands.append(command)
    return commands


def run_script(commands: list[str], cwd: Path, env: dict[str, str]
               ) -> subprocess.CompletedProcess[str]:
    """The commands in one bash, stopping at the first that fails."""
    return subprocess.run(["bash", "-e", "-c", "\n".join(commands)], cwd=cwd, env=env,
                          capture_output=True, text=True)
