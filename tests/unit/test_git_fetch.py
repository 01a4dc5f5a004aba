"""git/fetch.py and the CI gate's checkout against real shallow clones: each fetch says
whether it worked and whether the clone is still shallow."""

from __future__ import annotations

from pathlib import Path

import pytest

from psguard.ci.gate import open_checkout
from psguard.errors import NotARepositoryError
from psguard.git.fetch import Fetched, deepen, fetch, is_shallow, unshallow
from psguard.git.revs import has_commit
from psguard.testing import Repo, init_repo


def _server_and_shallow_clone(repo: Repo, tmp_path: Path) -> tuple[list[str], Repo]:
    """Five commits on the server's main; a clone holding only the last one."""
    commits = [repo.commit(f"c{i}") for i in range(5)]
    server = repo.add_origin(tmp_path / "server.git")
    repo.git("push", "-q", "origin", "main")
    clone = init_repo(tmp_path / "clone", repo.home)
    clone.git("remote", "add", "origin", server.path.as_uri())
    clone.git("fetch", "-q", "--depth=1", "origin", commits[-1])
    return commits, clone


def test_deepen_then_unshallow(repo: Repo, tmp_path: Path) -> None:
    commits, clone = _server_and_shallow_clone(repo, tmp_path)
    assert is_shallow(clone.path) and not has_commit(clone.path, commits[-2])
    said: list[list[str]] = []
    got = deepen(clone.path, "origin", commits[-1], 1, announce=said.append)
    assert got == Fetched(True, True) and has_commit(clone.path, commits[-2])
    assert not has_commit(clone.path, commits[0])
    assert said == [["--deepen=1", "origin", commits[-1]]]
    assert unshallow(clone.path, "origin") == Fetched(True, False)
    assert has_commit(clone.path, commits[0]) and not is_shallow(clone.path)


def test_fetch_a_branch_into_its_tracking_ref(repo: Repo, tmp_path: Path) -> None:
    commits, clone = _server_and_shallow_clone(repo, tmp_path)
    repo.git("checkout", "-q", "-b", "side", commits[1])
    side = repo.commit("side")
    repo.git("push", "-q", "origin", "side")
    got = fetch(clone.path, "origin", ["+refs/heads/side:refs/remotes/origin/side"])
    # side's history is all here now, but main's still stops at its last commit
    assert got == Fetched(True, True)
    assert has_commit(clone.path, "refs/remotes/origin/side")
    assert has_commit(clone.path, side) and has_commit(clone.path, commits[0])
    assert not has_commit(clone.path, commits[3])


def test_a_failed_fetch_says_so_and_keeps_the_state(repo: Repo, tmp_path: Path) -> None:
    _, clone = _server_and_shallow_clone(repo, tmp_path)
    assert fetch(clone.path, "origin", ["refs/heads/no-such-branch"]) == Fetched(False, True)
    assert fetch(clone.path, "nowhere", ["main"]) == Fetched(False, True)


def test_the_gate_checkout_tracks_the_shallow_state(repo: Repo, tmp_path: Path) -> None:
    commits, clone = _server_and_shallow_clone(repo, tmp_path)
    co = open_checkout(clone.path, may_fetch=True)
    assert co.root == clone.path.resolve() and co.shallow
    assert co.deepen(commits[-1], 1) and co.shallow
    assert co.unshallow() and not co.shallow
    assert not open_checkout(repo.path, may_fetch=False).shallow


def test_the_gate_checkout_is_a_directory_in_a_repository(repo: Repo, tmp_path: Path) -> None:
    repo.write("a.txt", "a\n")
    repo.commit("one")
    with pytest.raises(NotARepositoryError, match="not a git repository"):
        open_checkout(repo.path / "a.txt", may_fetch=False)
    with pytest.raises(NotARepositoryError, match="no such directory"):
        open_checkout(tmp_path / "missing", may_fetch=False)
    assert open_checkout(repo.path / ".", may_fetch=False).root == repo.path.resolve()
