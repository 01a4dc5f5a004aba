"""RepoSnapshot against real repositories made with the git binary: what one rev-parse
and one for-each-ref tell every stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from psguard.errors import NotARepositoryError
from psguard.git.snapshot import Repository, open_snapshot, try_snapshot
from psguard.testing import Repo, init_repo


def test_work_tree_from_a_subdirectory(repo: Repo) -> None:
    repo.write("src/a.txt", "a\n")
    head = repo.commit("first")
    snap = open_snapshot(repo.path / "src")
    assert snap.root == repo.path.resolve() and snap.work_tree and not snap.bare
    assert snap.git_dir == (repo.path / ".git").resolve()
    assert snap.common_dir == (repo.path / ".git").resolve()
    assert (snap.head, snap.head_ref, snap.shallow, snap.hash_len) == (
        head, "refs/heads/main", False, 20)


def test_unborn_branch_has_no_head(repo: Repo) -> None:
    snap = open_snapshot(repo.path)
    assert snap.head is None and snap.head_ref is None and snap.refs == []


def test_detached_head(repo: Repo) -> None:
    first = repo.commit("one")
    repo.commit("two")
    repo.git("checkout", "-q", first)
    snap = open_snapshot(repo.path)
    assert (snap.head, snap.head_ref) == (first, "HEAD")


def test_bare_repository_and_refs_with_peeled_tags(repo: Repo, tmp_path: Path) -> None:
    commit = repo.commit("one")
    repo.git("tag", "-a", "-m", "release", "v1")
    repo.git("tag", "light")
    bare = tmp_path / "bare.git"
    repo.git("clone", "-q", "--bare", str(repo.path), str(bare))
    snap = open_snapshot(bare)
    assert snap.bare and not snap.work_tree and snap.root == bare
    refs = {r.name: r for r in snap.refs}
    assert set(refs) == {"refs/heads/main", "refs/tags/light", "refs/tags/v1"}
    assert refs["refs/tags/v1"].type == "tag" and refs["refs/tags/v1"].commit == commit
    assert refs["refs/tags/light"].commit == commit and snap.stash is None


def test_remote_tracking_refs_and_remotes(repo: Repo, tmp_path: Path) -> None:
    repo.commit("one")
    origin = repo.add_origin(tmp_path / "origin.git")
    repo.git("push", "-q", "origin", "main")
    repo.git("fetch", "-q", "origin")
    snap = open_snapshot(repo.path)
    assert snap.remote_refs == ["refs/remotes/origin/main"]
    assert snap.remotes == ["origin"] and origin.path.exists()


def test_outside_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert try_snapshot(plain) is None
    assert Repository(plain).find() is None
    with pytest.raises(NotARepositoryError, match="not a git repository"):
        Repository(plain).snapshot()
    with pytest.raises(NotARepositoryError, match="no such directory"):
        open_snapshot(tmp_path / "missing")


def test_repository_opens_once(repo: Repo, git_home: Path) -> None:
    repo.commit("one")
    handle = Repository(repo.path)
    assert handle.find() is handle.snapshot()
    other = init_repo(repo.path.parent / "other", git_home)
    assert Repository(other.path).find() is not handle.find()
