"""The history source asks git each fact once: the git processes it starts, counted
through a `git` on PATH that logs its arguments and runs the real one."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from psguard.config import Config
from psguard.git import compiled
from psguard.git.snapshot import Repository
from psguard.pipeline import build_engine
from psguard.request import Mode, ScanRequest
from psguard.sources.base import SourceInput, SourceResult
from psguard.sources.history import scan_history
from psguard.testing import Repo, make_key


@pytest.fixture
def git_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    real = shutil.which("git")
    assert real is not None
    shim = tmp_path / "shim"
    shim.mkdir()
    log = tmp_path / "git.log"
    (shim / "git").write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    (shim / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}:{os.environ['PATH']}")
    return log


def _commands(log: Path) -> Counter[str]:
    """The git subcommand of each logged call (after psguard's `-c` options and -C)."""
    out: Counter[str] = Counter()
    for line in log.read_text().splitlines() if log.exists() else []:
        words = line.split(" ")
        words = words[words.index("-C") + 2:]
        while words[0] == "-c":
            words = words[2:]
        sub = words[0]
        if sub == "log" and "-g" in words:
            sub = "log -g"
        elif sub == "cat-file":
            sub = "cat-file " + words[1]
        out[sub] += 1
    log.unlink(missing_ok=True)
    return out


def _scan(path: Path, log: Path, *, no_cache: bool) -> SourceResult:
    log.unlink(missing_ok=True)  # what setting up the repository ran
    config = Config()
    request = ScanRequest(path=path, mode=Mode.HISTORY, no_cache=no_cache)
    return scan_history(SourceInput(request, config, build_engine(config), Repository(path)))


def _history(repo: Repo, commits: int = 22) -> str:
    key = make_key()
    for i in range(commits):
        repo.write(f"file{i % 5}.txt", f"line {i}\n")
        if i == 6:
            repo.write("settings.py", f'POOLSIDE_API_KEY = "{key}"\n')
        repo.commit(f"commit {i}")
    return key


def _places(result: SourceResult) -> set[tuple[str, str | None, str | None]]:
    return {(c.secret, c.origin.path, c.origin.commit) for c in result.candidates}


def test_an_audit_without_cache_reads_each_fact_once(repo: Repo, git_log: Path) -> None:
    key = _history(repo)
    result = _scan(repo.path, git_log, no_cache=True)
    assert {c.secret for c in result.candidates} == {key}
    assert _commands(git_log) == {
        "rev-parse": 1,  # the snapshot: location, HEAD, shallow, object format
        "for-each-ref": 1,  # the snapshot's refs: cache key, walks, missing objects
        "rev-list": 1,  # missing objects, beside the listing
        "log": 1,  # the main walk, started at the first hit: locating
        # the object listing: read from the object store itself with the compiled
        # header loop (psguard.git.compiled), else by git
        **({} if compiled.built() else {"cat-file --batch-all-objects": 1}),
        # the reader (one: a small repository is read inline), then the headers of
        # the commits that brought a hit in (their authors and dates)
        "cat-file --batch": 2,
        "ls-tree": 1,  # HEAD's tree
    }


def test_a_clean_audit_never_walks_the_log(repo: Repo, git_log: Path) -> None:
    """Nothing hit: nothing to locate, so no `git log` walk (rev-list alone looks for
    missing objects; it costs about half as much)."""
    for i in range(12):
        repo.write(f"file{i}.txt", f"nothing secret {i}\n")
        repo.commit(f"commit {i}")
    result = _scan(repo.path, git_log, no_cache=True)
    assert not result.candidates and not result.problems
    calls = _commands(git_log)
    assert calls["rev-list"] == 1 and calls["log"] == 0, calls


def test_a_stash_adds_only_its_reflog(repo: Repo, git_log: Path) -> None:
    _history(repo, commits=3)
    repo.write("file0.txt", "stashed\n")
    repo.git("stash", "-q")
    _scan(repo.path, git_log, no_cache=True)
    calls = _commands(git_log)
    assert calls["log -g"] == 1 and calls["for-each-ref"] == 1 and calls["rev-parse"] == 1


def test_a_warm_cache_skips_the_listing_and_the_walks(repo: Repo, git_log: Path) -> None:
    _history(repo)
    first = _scan(repo.path, git_log, no_cache=False)
    again = _scan(repo.path, git_log, no_cache=False)
    assert _places(again) == _places(first)
    assert _commands(git_log) == {"rev-parse": 1, "for-each-ref": 1,
                                  "cat-file --batch": 1, "ls-tree": 1}
