"""The history caches' key (refs_state, from the run's snapshot) and what HistoryCaches
concludes from the files it finds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from psguard.cachekey import user_key
from psguard.git.locate import Location, stash_tips
from psguard.git.missing import UNWALKED
from psguard.git.packlist import ObjectInfo
from psguard.git.snapshot import open_snapshot
from psguard.sources.blobcache import HistoryCaches, LocateCache, refs_state
from psguard.testing import Repo

VERSION = "test-1"


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """This test's own user cache directory, so its own cache key."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def _state(repo: Repo) -> str:
    snap = open_snapshot(repo.path)
    return refs_state(snap, stash_tips(snap))


def test_refs_state_changes_only_when_refs_head_or_stash_do(repo: Repo) -> None:
    repo.write("a.txt", "one\n")
    first = repo.commit("one")
    repo.write("a.txt", "two\n")
    repo.commit("two")
    start = _state(repo)
    assert _state(repo) == start  # a new snapshot of the same repository
    repo.write("untracked.txt", "not a ref\n")
    assert _state(repo) == start
    seen = {start}
    repo.git("branch", "side", first)  # a new ref
    seen.add(_state(repo))
    repo.git("checkout", "-q", "--detach", first)  # HEAD moves, no ref does
    seen.add(_state(repo))
    repo.git("checkout", "-q", "main")
    assert _state(repo) in seen  # back to the same refs and HEAD
    repo.write("a.txt", "stashed\n")
    repo.git("stash", "-q")
    seen.add(_state(repo))
    repo.write("a.txt", "stashed again\n")
    repo.git("stash", "-q")
    seen.add(_state(repo))
    repo.git("stash", "drop", "-q", "stash@{1}")  # only the stash's reflog changes
    seen.add(_state(repo))
    assert len(seen) == 6


def test_refs_state_never_equals_the_earlier_formula(repo: Repo) -> None:
    """The earlier key hashed for-each-ref's `objectname refname` lines, HEAD's id and
    the stash tips: a cache saved under it must not be taken as current."""
    repo.write("a.txt", "one\n")
    head = repo.commit("one")
    refs = repo.git("for-each-ref", "--format=%(objectname) %(refname)") + "\n"
    old = hashlib.sha256(f"{refs}\0{head}\n\0".encode()).hexdigest()
    assert _state(repo) != old


def _caches(git_dir: Path, state: str, *, enabled: bool = True) -> HistoryCaches:
    return HistoryCaches.load(git_dir, VERSION, state, enabled=enabled)


def _loc(commit: str) -> Location:
    return Location(commit, "a.env", "A <a@example.invalid>", "2024-01-01T00:00:00+00:00",
                    1, "blob")


def test_no_cache_reads_and_writes_nothing(tmp_path: Path) -> None:
    caches = _caches(tmp_path, "s", enabled=False)
    assert not caches.refs_unchanged and not caches.same_objects
    caches.save([ObjectInfo("aa" * 20, "blob", 1)], set(), [], {}, {})
    assert not (tmp_path / "psguard").exists()


def test_a_saved_run_is_recognised_by_the_next_one(tmp_path: Path) -> None:
    (tmp_path / "objects" / "pack").mkdir(parents=True)
    clean, hit = "aa" * 20, "bb" * 20
    first = _caches(tmp_path, "s1")
    assert not first.refs_unchanged and not first.same_objects
    first.save([ObjectInfo(clean, "blob", 1), ObjectInfo(hit, "blob", 1)], {hit}, [],
               {hit: [_loc("cc" * 20)]}, {"commits": 3, "blobs": 2})

    again = _caches(tmp_path, "s1")
    assert again.refs_unchanged and again.same_objects
    assert again.is_clean(clean) and not again.is_clean(hit)
    assert again.pending() == ([ObjectInfo(hit, "blob", 0)], {"commits": 3, "blobs": 2})
    assert again.locations({hit, clean}) == {hit: [_loc("cc" * 20)]}

    moved = _caches(tmp_path, "s2")  # a ref moved: locations are not reused
    assert not moved.refs_unchanged and moved.same_objects
    assert moved.locations({hit}) == {}

    (tmp_path / "objects" / "ab").mkdir()
    (tmp_path / "objects" / "ab" / ("cd" * 19)).write_bytes(b"x")  # a new loose object
    assert not _caches(tmp_path, "s1").same_objects


def test_a_walk_that_stopped_unexplained_is_walked_again(tmp_path: Path) -> None:
    key, _ = user_key()
    assert key is not None
    LocateCache("s1", missing=[UNWALKED]).save(tmp_path, VERSION, key)
    caches = _caches(tmp_path, "s1")
    assert not caches.refs_unchanged
    assert caches.cached_missing == [UNWALKED]
