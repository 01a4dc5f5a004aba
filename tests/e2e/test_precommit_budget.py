"""What a clean commit pays for (issue 15): the modules the pre-commit path imports,
read from Python's own `-X importtime` on the real command line, and the git processes
it starts, counted by a `git` on PATH that logs each call. No clock: a module that
comes back onto the clean path, or one more git call, fails here on any machine.

One git call: `diff-index`. The staged blobs are loose objects (what `git add` writes)
and are read in-process (git/loose.py); `cat-file` is for those in a pack."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from psguard.hooks.installer import MAIN
from psguard.testing import Repo, make_key

# Each is imported only when something needs it: a key found, a report format, an
# option argparse must read, a history scan. Measured on a 10-file change in a
# sqlalchemy clone, these were about a third of a clean run.
NOT_ON_THE_CLEAN_PATH = (
    "argparse", "gettext", "shutil", "string", "typing", "tomllib", "hashlib", "json",
    "subprocess", "selectors", "threading", "locale",
    "multiprocessing", "rich", "httpx", "git", "dask", "distributed", "hyperscan",
    "psguard.commands.options", "psguard.engine.preview", "psguard.engine.fastgate",
    "psguard.rules.filters", "psguard.stages.remediation", "psguard.report.guidance",
    "psguard.verify.run", "psguard.git.catfile", "psguard.sources.parallel",
    "signal", "runpy", "importlib", "contextlib", "_hashlib", "urllib.parse", "ipaddress",
)
MINUS_M = ("runpy", "importlib", "contextlib")  # what `python -m` itself imports
FILES = [f"pkg/mod{i}.py" for i in range(10)]


def _ten_file_change(repo: Repo) -> None:
    for name in FILES:
        repo.write(name, "import os\n\nVALUE = 1\n")
    repo.commit("first")
    for name in FILES:
        repo.write(name, "import os\n\nVALUE = 1\n# a staged change\nOTHER = 2\n")
    repo.git("add", *FILES)


def _run(repo: Repo, tmp_path: Path, *args: str, env: dict[str, str] | None = None,
         start: tuple[str, ...] = ("-m", "psguard")) -> tuple[int, set[str], list[str]]:
    """Exit code, modules imported and git subcommands run by `psguard ARGS`, started
    with `python START ARGS`."""
    real = shutil.which("git")
    assert real is not None
    shim, log = tmp_path / "shim", tmp_path / "git-calls.log"
    shim.mkdir(exist_ok=True)
    (shim / "git").write_text("#!/bin/sh\n"
                              f"for a in \"$@\"; do printf '%s\\t' \"$a\"; done >> '{log}'\n"
                              f"printf '\\n' >> '{log}'\n"
                              f"exec '{real}' \"$@\"\n")
    (shim / "git").chmod(0o755)
    log.write_text("")
    full_env = {**repo.env, "PATH": f"{shim}{os.pathsep}{os.environ.get('PATH', '')}",
                "XDG_CACHE_HOME": str(tmp_path / "cache"), "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run([sys.executable, "-X", "importtime", *start, *args],
                          cwd=repo.path, env=full_env, capture_output=True, text=True)
    modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()
               if line.startswith("import time:")}
    modules.discard("imported package")
    commands = []
    for line in log.read_text().splitlines():
        words = line.rstrip("\t").split("\t")
        i = 0
        while i < len(words) and words[i] in ("-c", "-C"):
            i += 2  # past the safety options psguard adds
        commands.append(words[i] if i < len(words) else "")
    return proc.returncode, modules, commands


ONE_CALL = ["diff-index"]
FRAMEWORK = {"PRE_COMMIT": "1"}  # what the framework sets for its hooks


@pytest.mark.parametrize(("args", "env", "allowed", "start"), [
    (("scan", "--staged"), {}, MINUS_M, ("-m", "psguard")),
    # the native hook: what `psguard install` writes
    (("hook", "pre-commit", "--"), {}, (), ("-c", MAIN)),
    # the framework appends the staged file names (and the batch run gets its id)
    (("hook", "pre-commit", *FILES), FRAMEWORK, MINUS_M, ("-m", "psguard")),
], ids=["scan --staged", "native hook", "framework hook"])
def test_clean_staged_path_imports_nothing_heavy_and_runs_one_git_call(
        repo: Repo, tmp_path: Path, args: tuple[str, ...], env: dict[str, str],
        allowed: tuple[str, ...], start: tuple[str, ...]) -> None:
    _ten_file_change(repo)
    # The first commit ever fills the user's rule cache (not the framework's command:
    # a second one from this same parent process would be a later batch of one run).
    _run(repo, tmp_path, "scan", "--staged")
    code, modules, commands = _run(repo, tmp_path, *args, env=env, start=start)
    assert code == 0
    assert "psguard.sources.staged" in modules  # the harness sees the real imports
    assert sorted(set(NOT_ON_THE_CLEAN_PATH) & modules - set(allowed)) == []
    assert commands == ONE_CALL


def test_staged_blobs_in_a_pack_are_read_by_git_and_a_key_among_them_is_found(
        repo: Repo, tmp_path: Path) -> None:
    _ten_file_change(repo)
    key = make_key()
    repo.write("pkg/settings.py", f"POOLSIDE_API_KEY = '{key}'\n")
    repo.git("add", "pkg/settings.py")
    repo.git("repack", "-a", "-d", "-q")  # the index's blobs too: no loose object left
    assert repo.git("count-objects").startswith("0 objects")
    code, _, commands = _run(repo, tmp_path, "scan", "--staged")
    assert code == 1
    assert commands[:2] == ["diff-index", "cat-file"]


def test_a_linked_work_tree_reads_its_staged_blobs_in_process_too(
        repo: Repo, tmp_path: Path) -> None:
    _ten_file_change(repo)
    repo.commit("second")
    linked = Repo(tmp_path / "linked", repo.home)
    repo.git("worktree", "add", "-q", str(linked.path))
    for name in FILES:
        linked.write(name, "import os\n\nVALUE = 3\n")
    linked.git("add", *FILES)
    code, _, commands = _run(linked, tmp_path, "hook", "pre-commit", "--", start=("-c", MAIN))
    assert (code, commands) == (0, ONE_CALL)
    linked.write("pkg/settings.py", f"POOLSIDE_API_KEY = '{make_key()}'\n")
    linked.git("add", "pkg/settings.py")
    code, _, _ = _run(linked, tmp_path, "hook", "pre-commit", "--", start=("-c", MAIN))
    assert code == 1


def test_a_blocked_commit_still_gets_every_word(repo: Repo, tmp_path: Path) -> None:
    """What the clean path leaves out comes back when a key is staged: the finding,
    remediation's steps and the bypass, from the same command line."""
    _ten_file_change(repo)
    key = make_key()
    repo.write("pkg/settings.py", f"POOLSIDE_API_KEY = '{key}'\n")
    repo.git("add", "pkg/settings.py")
    code, modules, _ = _run(repo, tmp_path, "hook", "pre-commit")
    assert code == 1
    assert {"psguard.rules.filters", "psguard.stages.remediation"} <= modules
