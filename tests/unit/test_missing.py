"""git/missing.py against real repositories made with the git binary (objects removed
from the object store by hand): what refs reach but the repository lacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from psguard.git import catfile
from psguard.git.locate import stash_tips
from psguard.git.missing import (
    UNWALKED,
    MissingSearch,
    outside_main_walk,
    still_missing,
)
from psguard.git.snapshot import RepoSnapshot, open_snapshot
from psguard.testing import Repo

ABSENT = "0123456789abcdef" * 2 + "01234567"  # a well-formed id no repository holds


def _lose(repo: Repo, oid: str) -> None:
    (repo.path / ".git" / "objects" / oid[:2] / oid[2:]).unlink()


def _two_commits(repo: Repo) -> None:
    repo.write("d/a.txt", "one\n")
    repo.commit("one")
    repo.write("d/b.txt", "two\n")
    repo.commit("two")


def _listed_blobs(path: Path) -> set[bytes]:
    return {o.oid.encode() for o in catfile.list_objects(path) if o.type == "blob"}


def _search(snap: RepoSnapshot, how: str) -> list[str]:
    stash = stash_tips(snap)
    if how == "full":
        return sorted(MissingSearch.full(snap, stash).result())
    search = MissingSearch.beside_main_walk(snap, stash)
    assert search.walk is not None
    search.watch(_listed_blobs(snap.root))
    found = sorted(search.result())
    search.walk.cancel()
    return found


def test_still_missing_keeps_only_what_the_repository_lacks(repo: Repo) -> None:
    _two_commits(repo)
    head = repo.git("rev-parse", "HEAD")
    blob = repo.git("rev-parse", "HEAD:d/a.txt")
    assert still_missing(repo.path, [head, ABSENT, blob]) == [ABSENT]
    assert still_missing(repo.path, []) == []


def test_outside_main_walk_is_empty_for_branches_and_tags(repo: Repo) -> None:
    _two_commits(repo)
    repo.git("tag", "-a", "v1", "-m", "release")
    repo.git("tag", "light", "HEAD~1")
    assert outside_main_walk(open_snapshot(repo.path), []) == b""


def test_outside_main_walk_names_notes_stash_and_tree_refs_as_tips(repo: Repo) -> None:
    _two_commits(repo)
    head = repo.git("rev-parse", "HEAD")
    tree = repo.git("rev-parse", "HEAD:d")
    repo.git("update-ref", "refs/keep/tree", tree)
    repo.git("notes", "add", "-m", "a note", "HEAD")
    notes = repo.git("rev-parse", "refs/notes/commits")
    repo.write("d/a.txt", "changed\n")
    repo.git("stash", "-q")
    snap = open_snapshot(repo.path)
    stash = stash_tips(snap)
    assert stash == [repo.git("rev-parse", "refs/stash")]
    lines = (outside_main_walk(snap, stash) or b"").decode().split()
    # tips first (the stash tips given, then refs in name order), then what is covered
    assert lines == [stash[0], tree, notes, stash[0], f"^{head}"]


def test_outside_main_walk_is_none_when_a_tag_object_is_missing(repo: Repo) -> None:
    _two_commits(repo)
    repo.git("tag", "-a", "v1", "-m", "release")
    _lose(repo, repo.git("rev-parse", "v1"))
    snap = open_snapshot(repo.path)
    assert snap.refs_complete is False
    assert outside_main_walk(snap, []) is None


@pytest.mark.parametrize("how", ["full", "beside-main-walk"])
def test_a_complete_repository_misses_nothing(repo: Repo, how: str) -> None:
    _two_commits(repo)
    repo.git("notes", "add", "-m", "a note", "HEAD")
    assert _search(open_snapshot(repo.path), how) == []


@pytest.mark.parametrize("how", ["full", "beside-main-walk"])
def test_a_missing_blob_on_a_branch_is_found(repo: Repo, how: str) -> None:
    _two_commits(repo)
    lost = repo.git("rev-parse", "HEAD:d/b.txt")
    _lose(repo, lost)
    assert _search(open_snapshot(repo.path), how) == [lost]


@pytest.mark.parametrize("how", ["full", "beside-main-walk"])
def test_a_missing_blob_only_a_notes_ref_reaches_is_found(repo: Repo, how: str) -> None:
    _two_commits(repo)
    repo.git("notes", "add", "-m", "only the notes ref reaches this", "HEAD")
    lost = repo.git("rev-parse", f"refs/notes/commits:{repo.git('rev-parse', 'HEAD')}")
    _lose(repo, lost)
    assert _search(open_snapshot(repo.path), how) == [lost]


@pytest.mark.parametrize("how", ["full", "beside-main-walk"])
@pytest.mark.parametrize("kind", ["tree", "commit", "tag"])
def test_a_missing_tree_commit_or_tag_that_stops_the_walk_is_found(
        repo: Repo, how: str, kind: str) -> None:
    _two_commits(repo)
    repo.git("tag", "-a", "v1", "-m", "release", "HEAD~1")
    lost = repo.git("rev-parse", {"tree": "HEAD:d", "commit": "HEAD~1", "tag": "v1"}[kind])
    _lose(repo, lost)
    found = _search(open_snapshot(repo.path), how)
    assert lost in found and UNWALKED not in found


def test_recheck_keeps_what_is_still_missing_without_walking(repo: Repo) -> None:
    _two_commits(repo)
    head = repo.git("rev-parse", "HEAD")
    search = MissingSearch.recheck(open_snapshot(repo.path), [head, ABSENT])
    assert search.walk is None and not search.wants_listing
    assert search.result() == [ABSENT]
