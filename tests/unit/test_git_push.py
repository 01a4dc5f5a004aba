"""git/revs.py, git/remote.py and git/push.py against real repositories: what a checkout
holds, what it knows a remote has, and which commits a push leaves out."""

from __future__ import annotations

from pathlib import Path

from psguard.git.push import is_zero, known_to_remote
from psguard.git.remote import TrackingRef, remote_tips, tracking_refs
from psguard.git.revs import has_commit, have_merge_base
from psguard.testing import Repo, init_repo


def _pushed(repo: Repo, tmp_path: Path) -> tuple[str, str]:
    """main pushed to origin (with its symbolic HEAD), then one local commit on top."""
    pushed = repo.commit("one")
    repo.add_origin(tmp_path / "origin.git")
    repo.git("push", "-q", "origin", "main")
    repo.git("fetch", "-q", "origin")
    repo.git("remote", "set-head", "origin", "main")
    return pushed, repo.commit("two")


def test_has_commit_takes_ids_and_names_but_only_commits(repo: Repo) -> None:
    repo.write("a.txt", "a\n")
    head = repo.commit("one")
    tree = repo.git("rev-parse", "HEAD^{tree}")
    repo.git("tag", "-a", "-m", "release", "v1")
    assert has_commit(repo.path, head) and has_commit(repo.path, "main")
    assert has_commit(repo.path, "v1")  # an annotated tag peels to its commit
    assert not has_commit(repo.path, tree)
    assert not has_commit(repo.path, "f" * 40) and not has_commit(repo.path, "nope")


def test_merge_base_of_diverged_and_unrelated_histories(repo: Repo) -> None:
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("side")
    repo.git("checkout", "-q", "--orphan", "other")
    other = repo.commit("unrelated")
    assert have_merge_base(repo.path, base, side)
    assert not have_merge_base(repo.path, side, other)


def test_tracking_refs_and_tips(repo: Repo, tmp_path: Path) -> None:
    pushed, _ = _pushed(repo, tmp_path)
    assert tracking_refs(repo.path, "origin") == [
        TrackingRef("refs/remotes/origin/HEAD", pushed),
        TrackingRef("refs/remotes/origin/main", pushed)]
    assert remote_tips(repo.path, "origin") == [pushed]  # each commit once
    assert tracking_refs(repo.path, "elsewhere") == []


def test_a_url_or_no_remote_has_no_tips_to_trust(repo: Repo, tmp_path: Path) -> None:
    _pushed(repo, tmp_path)
    for remote in (None, "", str(tmp_path / "origin.git"), "host:repo.git"):
        assert remote_tips(repo.path, remote) == [], remote


def test_zero_ids_of_either_length() -> None:
    assert is_zero("0" * 40) and is_zero("0" * 64)
    assert not is_zero("") and not is_zero("0" * 39 + "1")


def test_known_to_remote_keeps_remote_commits_this_repository_holds(
        repo: Repo, tmp_path: Path) -> None:
    pushed, local = _pushed(repo, tmp_path)
    missing = "e" * 40  # a remote-side sha this repository never fetched
    got = known_to_remote(repo.path, "origin", [local, "0" * 40, "", missing])
    assert got == sorted({pushed, local})
    # a push to a URL: only the remote-side shas it holds
    assert known_to_remote(repo.path, str(tmp_path / "origin.git"), [local]) == [local]
    assert known_to_remote(repo.path, None, []) == []


def test_known_to_remote_of_a_repository_without_remotes(tmp_path: Path,
                                                          git_home: Path) -> None:
    lone = init_repo(tmp_path / "lone", git_home)
    head = lone.commit("one")
    assert known_to_remote(lone.path, "origin", [head]) == [head]
