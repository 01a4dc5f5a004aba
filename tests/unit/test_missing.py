"""git/missing.py against real repositories made with the git binary (objects removed
from the object store by hand): what refs reach but the repository lacks."""

from __future__ import annotations

import pytest

from psguard.git.locate import stash_tips
from psguard.git.missing import (
    UNWALKED,
    MissingSearch,
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


def _search(snap: RepoSnapshot) -> list[str]:
    return sorted(MissingSearch.full(snap, stash_tips(snap)).result())


def test_still_missing_keeps_only_what_the_repository_lacks(repo: Repo) -> None:
    _two_commits(repo)
    head = repo.git("rev-parse", "HEAD")
    blob = repo.git("rev-parse", "HEAD:d/a.txt")
    assert still_missing(repo.path, [head, ABSENT, blob]) == [ABSENT]
    assert still_missing(repo.path, []) == []


def test_a_complete_repository_misses_nothing(repo: Repo) -> None:
    _two_commits(repo)
    repo.git("notes", "add", "-m", "a note", "HEAD")
    assert _search(open_snapshot(repo.path)) == []


def test_a_missing_blob_on_a_branch_is_found(repo: Repo) -> None:
    _two_commits(repo)
    lost = repo.git("rev-parse", "HEAD:d/b.txt")
    _lose(repo, lost)
    assert _search(open_snapshot(repo.path)) == [lost]


def test_a_missing_blob_only_a_notes_ref_reaches_is_found(repo: Repo) -> None:
    _two_commits(repo)
    repo.git("notes", "add", "-m", "only the notes ref reaches this", "HEAD")
    lost = repo.git("rev-parse", f"refs/notes/commits:{repo.git('rev-parse', 'HEAD')}")
    _lose(repo, lost)
    assert _search(open_snapshot(repo.path)) == [lost]


@pytest.mark.parametrize("kind", ["tree", "commit", "tag"])
def test_a_missing_tree_commit_or_tag_that_stops_the_walk_is_found(
        repo: Repo, kind: str) -> None:
    _two_commits(repo)
    repo.git("tag", "-a", "v1", "-m", "release", "HEAD~1")
    lost = repo.git("rev-parse", {"tree": "HEAD:d", "commit": "HEAD~1", "tag": "v1"}[kind])
    _lose(repo, lost)
    found = _search(open_snapshot(repo.path))
    assert lost in found and UNWALKED not in found


def test_recheck_keeps_what_is_still_missing_without_walking(repo: Repo) -> None:
    _two_commits(repo)
    head = repo.git("rev-parse", "HEAD")
    search = MissingSearch.recheck(open_snapshot(repo.path), [head, ABSENT])
    assert search.result() == [ABSENT]
