"""ParallelScan and catfile.shard against small real repositories: what the readers
find, inline and in worker processes, and the order they read in."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from psguard.config import Config
from psguard.git import catfile
from psguard.git.packlist import ObjectInfo
from psguard.pipeline import build_engine
from psguard.sources import parallel
from psguard.sources.objects import ObjectScanner
from psguard.sources.parallel import ParallelScan
from psguard.testing import Repo, make_key

ABSENT = "0123456789abcdef" * 2 + "01234567"  # a well-formed id no repository holds


def _repo_with_keys(repo: Repo) -> tuple[str, str, str]:
    """A blob and a commit message that hold keys; returns (blob key, blob id, commit)."""
    in_file, in_message = make_key(), make_key()
    repo.write("clean.txt", "nothing here\n" * 50)
    repo.commit("clean")
    repo.write("settings.py", f'POOLSIDE_API_KEY = "{in_file}"\n')
    repo.commit("add settings")
    repo.write("notes.txt", "more\n")
    commit = repo.commit(f"rotate {in_message}")
    return in_file, repo.git("rev-parse", "HEAD:settings.py"), commit


def _scanner(max_size: int | None = None) -> ObjectScanner:
    return ObjectScanner(build_engine(Config()), max_size=max_size)


def _objects(repo: Repo) -> list[ObjectInfo]:
    return catfile.list_objects(repo.path)


@pytest.mark.parametrize("workers", ["inline", "forked"])
def test_finds_blob_and_commit_message_hits_and_reports_unreadable_ids(
        repo: Repo, monkeypatch: pytest.MonkeyPatch, workers: str) -> None:
    key, blob, commit = _repo_with_keys(repo)
    if workers == "forked":
        monkeypatch.setattr(parallel, "_PARALLEL_MIN_BYTES", 0)
    objects = [*_objects(repo), ObjectInfo(ABSENT, "blob", 1)]
    scanner = _scanner()
    par = ParallelScan(repo.path, objects, scanner, workers=2)
    assert len(par.procs) == (1 if workers == "forked" else 0)  # the parent reads one slice
    cands, unreadable = par.run()
    assert unreadable == [ABSENT]
    by_kind = {(c.origin.kind, c.origin.blob or c.origin.commit) for c in cands}
    assert ("blob", blob) in by_kind and ("commit-message", commit) in by_kind
    assert any(c.secret == key for c in cands)
    # the workers' state reaches the parent's scanner
    assert {blob, commit} <= scanner.hits
    assert commit in scanner.commit_times
    read = [o for o in objects if o.oid != ABSENT]
    sizes = {oid: len(data) for oid, _, data in catfile.read_objects(
        repo.path, [o.oid for o in read])}
    assert par.bytes_read == sum(sizes.values())


def test_first_hit_callback_runs_once_while_workers_read_and_never_inline(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    _repo_with_keys(repo)
    calls: list[int] = []
    ParallelScan(repo.path, _objects(repo), _scanner()).run(lambda: calls.append(1))
    assert calls == []  # inline: the scan is over before a walk could overlap it
    read = catfile.read_objects

    def slow_reader(*args: Any, **kwargs: Any) -> Iterator[tuple[str, str, bytes]]:
        yield from read(*args, **kwargs)
        time.sleep(0.5)  # still reading when the parent looks: its hits are visible

    monkeypatch.setattr(catfile, "read_objects", slow_reader)  # the workers fork with it
    monkeypatch.setattr(parallel, "_PARALLEL_MIN_BYTES", 0)
    ParallelScan(repo.path, _objects(repo), _scanner(), workers=2).run(
        lambda: calls.append(1))
    assert calls == [1]


def test_no_hits_no_callback(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("a.txt", "plain text\n")
    repo.commit("plain")
    monkeypatch.setattr(parallel, "_PARALLEL_MIN_BYTES", 0)
    calls: list[int] = []
    cands, unreadable = ParallelScan(repo.path, _objects(repo), _scanner(), workers=2).run(
        lambda: calls.append(1))
    assert (cands, unreadable, calls) == ([], [], [])


def test_blobs_above_max_size_are_read_at_their_ends_and_named(repo: Repo) -> None:
    first, middle, last = make_key(), make_key(), make_key()
    repo.write("big.env", f"POOLSIDE_API_KEY={first}\n" + "x" * 3000 +
               f"\nPOOLSIDE_API_KEY={middle}\n" + "x" * 3000 + f"\nPOOLSIDE_API_KEY={last}\n")
    repo.commit("big")
    big = repo.git("rev-parse", "HEAD:big.env")
    scanner = _scanner(max_size=1000)
    cands, unreadable = ParallelScan(repo.path, _objects(repo), scanner).run()
    assert scanner.too_large == [big]
    assert {c.secret for c in cands} == {first, last} and unreadable == []
    [problem] = scanner.problems
    assert (problem.kind, problem.target, problem.incomplete) == ("too-large", f"blob {big}",
                                                                  True)
    assert "only its first and last 500 bytes were scanned" in problem.detail


def test_a_failing_worker_fails_the_scan(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from psguard.git.runner import GitError

    _repo_with_keys(repo)
    monkeypatch.setattr(parallel, "_PARALLEL_MIN_BYTES", 0)

    parent = os.getpid()
    real = parallel.scan_slice

    def broken(*args: Any, **kwargs: Any) -> object:
        if os.getpid() == parent:  # the parent's own slice reads fine
            return real(*args, **kwargs)
        raise RuntimeError("reader broke")

    monkeypatch.setattr(parallel, "scan_slice", broken)  # inherited by the forked worker
    par = ParallelScan(repo.path, _objects(repo), _scanner(), workers=2)
    with pytest.raises(GitError, match="reader broke"):
        par.run()


def _objs(*sizes: int) -> list[ObjectInfo]:
    return [ObjectInfo(f"{i:040x}", "blob", s) for i, s in enumerate(sizes)]


def test_shard_makes_contiguous_reversed_slices_of_about_equal_size() -> None:
    objects = _objs(10, 10, 10, 10, 30, 10, 10, 10)
    slices = catfile.shard(objects, 2)
    assert len(slices) == 2
    # each slice backwards; read forwards again they are the pack order, split once
    assert [o for s in slices for o in s[::-1]] == objects
    # the cut lands where the halves come nearest: before the 30, not after it
    assert [sum(o.size for o in s) for s in slices] == [40, 60]


def test_shard_one_part_or_tiny_lists_is_the_whole_list_backwards() -> None:
    objects = _objs(1, 2, 3)
    assert catfile.shard(objects, 1) == [objects[::-1]]
    assert catfile.shard(objects[:1], 4) == [objects[:1]]
    assert catfile.shard([], 2) == [[]]


def test_both_listings_give_content_sizes_so_slices_balance_the_scan(repo: Repo) -> None:
    """A file that compresses 1000-fold weighs its content, not its pack bytes: with
    compressed sizes, the slice holding it would read most of the content alone."""
    import random

    from psguard.git.packlist import list_pack_objects

    rng = random.Random(7)
    repo.write("big.txt", "same line again\n" * 65536)  # 1 MiB, a few KB packed
    repo.commit("big")
    for i in range(6):
        repo.write(f"noise{i}.bin", rng.randbytes(40_000))  # incompressible
        repo.commit(f"noise {i}")
    repo.write("big.txt", "same line again\n" * 65536 + "one more\n")  # a delta of big
    repo.commit("big again")
    repo.git("gc", "-q", "--aggressive")
    big = repo.git("rev-parse", "HEAD:big.txt")
    git_dir = repo.path / ".git"
    content = dict(line.split() for line in repo.git(
        "cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objectsize)"
    ).splitlines())
    content = {k: int(v) for k, v in content.items()}
    from_git = catfile.list_objects(repo.path)
    from_packs = list_pack_objects(git_dir)
    assert from_packs is not None
    for listing in (from_git, from_packs):
        size = {o.oid: o.size for o in listing}
        assert size[big] == 65536 * 16 + 9  # the whole object: exact
        # the earlier version is a delta now, its content estimated from its base
        first = repo.git("rev-parse", "HEAD~7:big.txt")
        assert size[first] >= 65536 * 16
        blobs = [o for o in listing if o.type == "blob"]
        halves = [sum(content[o.oid] for o in s) for s in catfile.shard(blobs, 2)]
        assert min(halves) > 0.3 * max(halves), halves


def _delta_bases(repo: Repo) -> dict[str, str]:
    rows = repo.git("cat-file", "--batch-all-objects",
                    "--batch-check=%(objectname) %(deltabase)").splitlines()
    return {a: b for a, b in (r.split() for r in rows) if set(b) != {"0"}}


def test_listings_put_each_delta_right_after_its_base_for_the_readers(repo: Repo) -> None:
    """Depth first: everything between a base and its delta descends from that base,
    so the base git rebuilt for one delta is still cached for the next."""
    from psguard.git.packlist import list_pack_objects

    for i in range(12):  # two files, interleaved edits: two delta trees
        for name in ("a.txt", "b.txt"):
            repo.write(name, "".join(f"{name} line {j}\n" for j in range(300 + i)))
        repo.commit(f"edit {i}")
    repo.git("gc", "-q", "--aggressive")
    bases = _delta_bases(repo)
    assert len(bases) >= 10
    for listing in (catfile.list_objects(repo.path), list_pack_objects(repo.path / ".git")):
        assert listing is not None
        order = [o.oid for o in listing]
        at = {oid: i for i, oid in enumerate(order)}

        def descends(oid: str, base: str) -> bool:
            while oid in bases:
                oid = bases[oid]
                if oid == base:
                    return True
            return False

        for oid, base in bases.items():
            if oid in at and base in at:
                between = order[at[base] + 1:at[oid]]
                assert at[base] < at[oid] and all(descends(x, base) for x in between)
        # read as listed: each slice forwards
        slices = catfile.shard(listing, 2, backwards=False)
        assert [o for s in slices for o in s] == listing
