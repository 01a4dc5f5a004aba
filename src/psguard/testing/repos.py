"""Real git repositories in temporary directories, and the CLI run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Author",
    "GIT_AUTHOR_EMAIL": "ada@example.invalid",
    "GIT_COMMITTER_NAME": "Ada Author",
    "GIT_COMMITTER_EMAIL": "ada@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass
class Repo:
    """A real git repository in a temporary directory, driven through the git binary."""

    path: Path
    home: Path

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(GIT_ENV)
        env["HOME"] = str(self.home)
        env.pop("GIT_DIR", None)
        env.pop("GIT_INDEX_FILE", None)
        return env

    def git(self, *args: str, check: bool = True, input: str | None = None) -> str:
        proc = subprocess.run(["git", *args], cwd=self.path, env=self.env, text=True,
                              capture_output=True, input=input)
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout.strip()

    def write(self, rel: str, content: str | bytes) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        else:
            target.write_bytes(content)
        return target

    def add_origin(self, path: Path) -> Repo:
        """A bare repository at path (same home), added as this repository's origin."""
        remote = init_repo(path, self.home, bare=True)
        self.git("remote", "add", "origin", str(remote.path))
        return remote

    def commit(self, message: str, *paths: str) -> str:
        self.git("add", "--", *(paths or (".",)))
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")


def git_run(repo: Repo, *args: str, env: dict[str, str] | None = None,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
    """A git command in repo as a user types it (hooks run), its result not checked."""
    full = repo.env
    if env:
        full.update(env)
    return subprocess.run(["git", *args], cwd=repo.path, env=full, text=True,
                          capture_output=True, input=input)


def output(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


def init_repo(path: Path, home: Path, *, bare: bool = False) -> Repo:
    path.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    repo = Repo(path, home)
    repo.git("init", "-q", "-b", "main", *(["--bare"] if bare else []))
    return repo


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_psguard(*args: str, cwd: Path | None = None, input: str | bytes | None = None,
                env: dict[str, str] | None = None, timeout: float | None = None) -> Run:
    """Run the installed CLI the way a user does, as a separate process. `timeout`
    detects a hang (subprocess.TimeoutExpired), never a speed: pass a generous one."""
    full_env = dict(os.environ)
    full_env.update(GIT_ENV)
    full_env.pop("GIT_DIR", None)
    full_env.pop("GIT_INDEX_FILE", None)
    full_env["NO_COLOR"] = "1"
    if env:
        full_env.update(env)
    data = input.encode() if isinstance(input, str) else input
    proc = subprocess.run([sys.executable, "-m", "psguard", *args], cwd=cwd, input=data,
                          capture_output=True, env=full_env, timeout=timeout)
    return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"),
               proc.stderr.decode("utf-8", "replace"))


def run_in_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """psguard's stdout when it is a terminal (a pseudo-terminal), as a user sees it."""
    import pty

    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "psguard", *args], cwd=cwd, env=env,
                            stdin=subprocess.DEVNULL, stdout=child, stderr=subprocess.DEVNULL)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(main)
    return b"".join(chunks).decode("utf-8", "replace")
