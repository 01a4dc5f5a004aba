"""How many git processes a scan starts, counted by a `git` on PATH that logs each call
and runs the real one. Each fact about a repository (refs, remotes, HEAD, shallow and
bare state) is read once a run; the pre-commit hook's clean path stays at two calls."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from psguard.testing import Repo, make_key, run_psguard


def _shim(tmp_path: Path) -> tuple[dict[str, str], Path]:
    real = shutil.which("git")
    assert real is not None
    bin_dir, log = tmp_path / "shim", tmp_path / "git-calls.log"
    bin_dir.mkdir()
    script = bin_dir / "git"
    script.write_text("#!/bin/sh\n"
                      f"for a in \"$@\"; do printf '%s\\t' \"$a\"; done >> '{log}'\n"
                      f"printf '\\n' >> '{log}'\n"
                      f"exec '{real}' \"$@\"\n")
    script.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}, log


def _commands(log: Path) -> list[str]:
    """The git subcommand of each call, past the -c and -C options psguard adds."""
    out = []
    for line in log.read_text().splitlines():
        args = line.rstrip("\t").split("\t")
        i = 0
        while i < len(args) and args[i] in ("-c", "-C"):
            i += 2
        sub = args[i] if i < len(args) else ""
        if sub == "rev-list" and "--objects" in args:
            sub = "rev-list --objects"  # the object walk for missing objects, not the graph
        out.append(sub)
    return out


def _history_repo(repo: Repo, key: str) -> None:
    for i in range(22):
        repo.write(f"f{i}.txt", f"line {i}\n")
        if i == 7:
            repo.write("deploy/.env", f"POOLSIDE_API_KEY={key}\n")
        repo.commit(f"commit {i}")


def test_history_audit_of_a_small_repository_starts_at_most_eleven_git_processes(
        repo: Repo, tmp_path: Path) -> None:
    key = make_key()
    _history_repo(repo, key)
    env, log = _shim(tmp_path)
    run = run_psguard("scan", "--history", "--no-cache", "--format", "json", str(repo.path),
                      env=env)
    assert run.code == 1
    [finding] = run.json()["findings"]
    assert finding["secret"]["redacted"].endswith(key[-4:])
    assert finding["first_seen"]["commit"] and finding["exposure"] == "local"  # no remote at all
    commands = _commands(log)
    # 11: the history's own (snapshot, refs, the missing-object walk, the listing,
    # the reader, HEAD's tree, the locating walk a hit starts, the hit commits'
    # headers) and the exposure stage's (reach, remotes, reflog)
    assert len(commands) <= 11, commands
    for once in ("rev-parse", "for-each-ref", "remote"):
        assert commands.count(once) <= 1, (once, commands)
    # the commit graph is walked once for the git facts and exposure together
    assert sum(1 for c in commands if c == "rev-list") <= 1, commands


def test_clean_pre_commit_runs_one_git_process(repo: Repo, tmp_path: Path) -> None:
    """diff-index; the staged blobs are loose objects, read in-process (git/loose.py)."""
    repo.write("a.txt", "a\n")
    repo.commit("first")
    repo.write("a.txt", "a\nb\n")
    repo.write("b.txt", "new\n")
    repo.git("add", "a.txt", "b.txt")
    env, log = _shim(tmp_path)
    run = run_psguard("hook", "pre-commit", cwd=repo.path, env=env)
    assert run.code == 0, run.stderr
    assert _commands(log) == ["diff-index"]
