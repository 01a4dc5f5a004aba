"""git/config.py, git/hooks_dir.py and git/index.staged_paths against real repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from psguard.errors import NotARepositoryError
from psguard.git.config import config_value
from psguard.git.hooks_dir import hooks_dir
from psguard.git.index import staged_paths
from psguard.testing import Repo


def test_config_value_is_the_last_one_set_raw(repo: Repo) -> None:
    assert config_value(repo.path, "core.commentChar") is None
    repo.git("config", "core.commentChar", ";")
    assert config_value(repo.path, "core.commentChar") == b";"
    repo.git("config", "--add", "psguard.test", " spaced ")
    repo.git("config", "--add", "psguard.test", "last")
    assert config_value(repo.path, "psguard.test") == b"last"
    repo.git("config", "psguard.other", " kept ")
    assert config_value(repo.path, "psguard.other") == b" kept "


def test_hooks_dir_default_and_absolute_hooks_path(repo: Repo, tmp_path: Path) -> None:
    assert hooks_dir(repo.path).resolve() == (repo.path / ".git" / "hooks").resolve()
    shared = tmp_path / "shared-hooks"
    repo.git("config", "core.hooksPath", str(shared))
    # the runner overrides core.hooksPath for every other git call; not for this one
    assert hooks_dir(repo.path) == shared


def test_hooks_dir_of_a_linked_worktree_is_the_main_repositorys(repo: Repo,
                                                                 tmp_path: Path) -> None:
    repo.commit("one")
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "-q", str(linked))
    assert hooks_dir(linked).resolve() == (repo.path / ".git" / "hooks").resolve()


def test_hooks_dir_outside_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(NotARepositoryError, match="not a git repository"):
        hooks_dir(plain)
    with pytest.raises(NotARepositoryError, match="no such directory"):
        hooks_dir(tmp_path / "missing")


def test_staged_paths_include_deletions_and_odd_names(repo: Repo) -> None:
    repo.write("keep.txt", "k\n")
    repo.write("gone.txt", "g\n")
    repo.commit("base")
    odd = "sub dir/naïve\nname.txt"
    repo.write(odd, "n\n")
    repo.write("keep.txt", "k2\n")
    repo.git("add", "--", odd, "keep.txt")
    repo.git("rm", "-q", "gone.txt")
    repo.write("unstaged.txt", "u\n")
    assert staged_paths(repo.path) == {odd, "keep.txt", "gone.txt"}
    assert staged_paths(repo.path / "sub dir") == {odd, "keep.txt", "gone.txt"}


def test_staged_paths_on_an_unborn_branch(repo: Repo) -> None:
    assert staged_paths(repo.path) == set()
    repo.write("first.txt", "f\n")
    repo.git("add", "first.txt")
    assert staged_paths(repo.path) == {"first.txt"}
