"""Which refs hold which commits, from the snapshot's one walk of the commit graph,
against what git itself says (`for-each-ref --contains`)."""

from __future__ import annotations

from psguard.git.ancestry import holders
from psguard.git.snapshot import open_snapshot
from psguard.testing import Repo


def test_refs_holding_each_commit_agree_with_git(repo: Repo) -> None:
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    feature = repo.commit("feature work")
    repo.git("tag", "-a", "-m", "release", "v1")
    repo.git("checkout", "-q", "main")
    main_only = repo.commit("main work")
    repo.git("tag", "light")
    snap = open_snapshot(repo.path)
    found = holders(snap, [base, feature, main_only])
    assert found is not None
    for commit in (base, feature, main_only):
        expected = sorted(repo.git("for-each-ref", "--format=%(refname)",
                                   f"--contains={commit}").split())
        assert sorted(found.refs_holding([commit])) == expected, commit
    assert found.refs_holding([feature]) == ["refs/heads/feature", "refs/tags/v1"]
    # HEAD (main) holds base and main_only, not the feature commit
    assert found.head & found.bit[main_only] and not found.head & found.bit[feature]


def test_the_graph_is_read_once_a_run(repo: Repo) -> None:
    one = repo.commit("one")
    snap = open_snapshot(repo.path)
    first = snap.commit_graph()
    repo.commit("two")  # a later commit is not seen: the run keeps its one view
    assert snap.commit_graph() is first
    assert [r.oid for r in snap.refs] == [one]
    found = holders(snap, [one])
    assert found is not None and found.refs_holding([one]) == ["refs/heads/main"]
