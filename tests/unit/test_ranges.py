"""git/ranges.py against real repositories: resolving a range and listing what it adds."""

from __future__ import annotations

import pytest

from psguard.errors import UsageError
from psguard.git.ranges import range_objects, resolve_range
from psguard.testing import Repo


def test_resolve_range_gives_rev_list_arguments(repo: Repo) -> None:
    repo.write("a.txt", "one\n")
    base = repo.commit("one")
    repo.write("a.txt", "two\n")
    tip = repo.commit("two")
    assert resolve_range(repo.path, f" {base}..{tip} ", False) == [tip, f"^{base}"]
    assert resolve_range(repo.path, "HEAD", False) == [tip]


@pytest.mark.parametrize("spec", ["", "--all", "nope..HEAD"])
def test_resolve_range_refuses_options_and_unknown_revisions(repo: Repo, spec: str) -> None:
    repo.commit("one")
    with pytest.raises(UsageError, match="--range"):
        resolve_range(repo.path, spec, False)


def test_an_unknown_revision_in_a_shallow_clone_says_so(repo: Repo) -> None:
    repo.commit("one")
    with pytest.raises(UsageError, match="shallow clone"):
        resolve_range(repo.path, "nope..HEAD", True)


def test_range_objects_lists_what_the_range_adds_each_once(repo: Repo) -> None:
    repo.write("a.txt", "one\n")
    base = repo.commit("one")
    repo.write("b.txt", "two\n")
    repo.write("c.txt", "two\n")  # the same blob at two paths
    second = repo.commit("two")
    repo.write("a.txt", "three\n")
    tip = repo.commit("three")
    objects, missing = range_objects(repo.path, resolve_range(repo.path, f"{base}..{tip}",
                                                              False))
    got = sorted((o.oid, o.type) for o in objects)
    assert got == sorted([(second, "commit"), (tip, "commit"),
                          (repo.git("rev-parse", f"{second}:b.txt"), "blob"),
                          (repo.git("rev-parse", f"{tip}:a.txt"), "blob")])
    assert missing == []


def test_range_objects_names_missing_blobs(repo: Repo) -> None:
    repo.write("a.txt", "one\n")
    base = repo.commit("one")
    repo.write("b.txt", "two\n")
    tip = repo.commit("two")
    lost = repo.git("rev-parse", "HEAD:b.txt")
    (repo.path / ".git" / "objects" / lost[:2] / lost[2:]).unlink()
    objects, missing = range_objects(repo.path, [tip, f"^{base}"])
    assert missing == [lost] and [o.oid for o in objects] == [tip]


def test_range_objects_refuses_options(repo: Repo) -> None:
    repo.commit("one")
    with pytest.raises(UsageError, match="unsupported"):
        range_objects(repo.path, ["--all"])


def test_range_objects_take_all_refs_only_as_what_to_exclude(repo: Repo) -> None:
    base = repo.commit("one")
    repo.write("new.txt", "new\n")
    tip = repo.commit("two")
    repo.git("reset", "-q", "--hard", base)  # no ref has tip: like a push being received
    objects, _ = range_objects(repo.path, [tip, "--not", "--all"])
    assert {o.oid for o in objects if o.type == "commit"} == {tip}
    assert base not in {o.oid for o in objects}
    with pytest.raises(UsageError, match="unsupported"):
        range_objects(repo.path, ["--all", "--not", base])
