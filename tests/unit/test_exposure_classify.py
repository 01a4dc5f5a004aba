"""The exposure rules (stages/classify.py), from hand-built facts: no repository, no git.

Each test builds a finding's candidates and the facts git would give (git/reach.py:
Reach, PathVersions) and checks one rule. Keys are made at run time.
"""

from __future__ import annotations

import secrets

from psguard.git.reach import PathVersions, Reach
from psguard.models import Candidate, Finding, Origin
from psguard.stages.classify import (
    Traced,
    classify,
    commits_to_ask,
    file_paths,
    notes_to_ask,
    published_by,
    trace,
)
from psguard.stages.exposure import assess
from psguard.testing import make_key

ORIGIN_MAIN = "refs/remotes/origin/main"


def commit_id() -> str:
    return secrets.token_hex(20)


def finding(key: str, *origins: Origin) -> Finding:
    cands = [Candidate("poolside-api-key", key, "high", o, 1, 18, 17) for o in origins]
    return Finding("poolside-api-key", key, "high", cands)


def with_remote(**sets: object) -> Reach:
    """Facts of a clone of origin whose default branch is main."""
    r = Reach(remote="origin", remote_refs=[ORIGIN_MAIN], primary=ORIGIN_MAIN)
    for name, value in sets.items():
        setattr(r, name, value)
    return r


def without_remotes(**sets: object) -> Reach:
    """Facts of a repository with no remote-tracking refs (a CI checkout, a mirror)."""
    r = Reach(remote="origin", remote_refs=[])
    for name, value in sets.items():
        setattr(r, name, value)
    return r


def test_key_in_a_file_whose_committed_version_was_pushed_is_pushed() -> None:
    key = make_key()
    pushed = commit_id()
    # Scanned from the subdirectory conf/: the work-tree path is relative to it.
    f = finding(key, Origin("file", path="app.env"))
    top_paths = {"app.env": "conf/app.env"}
    versions = PathVersions(index={"conf/app.env": b"other content\n"},
                            versions={"conf/app.env": [(pushed, f"K={key}\n".encode())]})
    traced = trace(f, "worktree", top_paths, versions)
    assert traced.held == {pushed} and traced.staged == set()
    assert commits_to_ask(f, traced) == {pushed}
    reach = with_remote(published={pushed}, in_primary={pushed},
                        meta={pushed: ("Ada <ada@example.invalid>", "2026-01-01T05:00:00Z")},
                        stamp={pushed: 1})
    a = classify(f, "worktree", reach, traced, top_paths=top_paths, repo_dir="shop")
    assert a.exposure == "pushed"
    assert a.detail.published_by == "origin/main"
    assert a.detail.paths == ["conf/app.env"] and a.detail.commits == [pushed]
    assert a.detail.remote == "origin" and a.detail.repo_dir == "shop"
    assert a.first_seen == {"commit": pushed, "author": "Ada <ada@example.invalid>",
                            "date": "2026-01-01T05:00:00Z"}
    assert any("committed version of conf/app.env" in n for n in a.notes)


def test_key_only_in_the_working_file_and_the_index() -> None:
    key = make_key()
    f = finding(key, Origin("file", path="wt.env"), Origin("file", path="staged.env"))
    versions = PathVersions(index={"staged.env": key.encode()})
    traced = trace(f, "worktree", {}, versions)
    a = classify(f, "worktree", with_remote(), traced)
    assert a.exposure == "staged"
    assert a.detail.staged_paths == ["staged.env"] and a.detail.paths == ["wt.env",
                                                                         "staged.env"]
    assert a.detail.only_in == [] and a.first_seen is None and a.notes == []
    # In a staged scan, an index blob is a file location and is staged by definition.
    staged = finding(key, Origin("blob", path="deploy/.env", blob=commit_id()))
    assert file_paths(staged, "staged", {}) == ["deploy/.env"]
    b = classify(staged, "staged", with_remote(), Traced())
    assert b.exposure == "staged" and b.detail.staged_paths == ["deploy/.env"]


def test_stash_only_key_is_local_in_the_stash() -> None:
    key = make_key()
    stash = commit_id()
    f = finding(key, Origin("stash", path="app.env", commit=stash))
    reach = with_remote(unpublished={stash}, off_branch={stash},
                        stash_of={stash: "stash@{0}"}, meta={stash: ("Ada", "d")})
    a = classify(f, "history", reach, Traced())
    assert a.exposure == "local"
    assert a.detail.only_in == ["stash"]
    assert a.detail.stashes == ["stash@{0}"]
    assert a.detail.local_commits == []  # a stash is dropped, not rebased
    assert any(n.startswith("only in a stash (stash@{0})") for n in a.notes)


def test_tag_only_key_names_its_tag() -> None:
    key = make_key()
    tagged = commit_id()
    f = finding(key, Origin("blob", path="tagged.env", commit=tagged))
    reach = with_remote(unpublished={tagged}, tag_only={tagged},
                        containing={tagged: ["refs/heads/x-not-a-tag", "refs/tags/v0-exp"]},
                        meta={tagged: ("Ada", "d")})
    a = classify(f, "history", reach, Traced())
    assert a.exposure == "local"
    assert a.detail.only_in == ["tag"]
    assert a.detail.tags == ["v0-exp"]
    assert a.detail.local_commits == []
    assert any("only reachable from tag(s) v0-exp" in n for n in a.notes)


def test_tag_message_is_pushed_only_without_remotes() -> None:
    key = make_key()
    f = finding(key, Origin("tag-message", path="refs/tags/v1", commit=commit_id()))
    assert commits_to_ask(f, Traced()) == set()  # the tag's target does not hold it
    local = classify(f, "history", with_remote(), Traced())
    assert (local.exposure, local.detail.tags, local.detail.only_in) == ("local", ["v1"],
                                                                         ["tag"])
    mirror = classify(f, "history", without_remotes(), Traced())
    assert mirror.exposure == "pushed" and mirror.detail.published_by == "no-remotes"


def test_no_remote_tracking_refs_means_published_by_no_remotes() -> None:
    key = make_key()
    c = commit_id()
    f = finding(key, Origin("blob", path="a.env", commit=c))
    reach = without_remotes(published={c}, meta={c: ("Ada", "d")}, parents={c: []})
    a = classify(f, "history", reach, Traced())
    assert a.exposure == "pushed"
    assert a.detail.published_by == "no-remotes"
    assert a.detail.only_in == []
    assert any("no remote-tracking refs" in n for n in a.notes)


def test_note_names_its_notes_ref_and_target() -> None:
    key = make_key()
    notes_commit, target = commit_id(), commit_id()
    f = finding(key, Origin("note", path=f"{target[:2]}/{target[2:]}", commit=notes_commit))
    assert notes_to_ask(f) == {notes_commit} and commits_to_ask(f, Traced()) == set()
    reach = with_remote(notes_refs=["refs/notes/audit", "refs/notes/review"],
                        containing={notes_commit: ["refs/notes/review"]})
    a = classify(f, "history", reach, Traced())
    assert a.exposure == "local"
    assert a.detail.only_in == ["note"]
    assert a.detail.notes_refs == ["refs/notes/review"]
    assert a.detail.note_targets == [target]
    assert any("only in git notes (refs/notes/review)" in n for n in a.notes)
    # Unknown notes commit: the first notes ref is named; without remotes it is pushed.
    bare = classify(f, "history", without_remotes(notes_refs=["refs/notes/commits"]),
                    Traced())
    assert bare.exposure == "pushed" and bare.detail.notes_refs == ["refs/notes/commits"]


def test_unreachable_blob_is_local() -> None:
    key = make_key()
    f = finding(key, Origin("blob", path=None, blob=commit_id()))
    a = classify(f, "history", with_remote(), Traced())
    assert a.exposure == "local"
    assert a.detail.only_in == ["unreachable"]
    assert any(n.startswith("only in objects no branch, tag or stash holds") for n in a.notes)


def test_amended_commit_is_in_the_reflog_only() -> None:
    key = make_key()
    c = commit_id()
    f = finding(key, Origin("blob", path="app.env", commit=c))
    reach = with_remote(unpublished={c}, off_branch={c}, meta={c: ("Ada", "d")})
    a = classify(f, "history", reach, Traced())
    assert a.exposure == "local" and a.detail.only_in == ["reflog"]
    assert a.detail.local_commits == []


def test_local_commits_oldest_first_with_root_and_head() -> None:
    key = make_key()
    root, later = commit_id(), commit_id()
    f = finding(key, Origin("blob", path="b.env", commit=later),
                Origin("blob", path="a.env", commit=root))
    reach = with_remote(unpublished={root, later}, head=later,
                        parents={root: [], later: [root]},
                        meta={root: ("Ada", "first"), later: ("Ada", "second")},
                        stamp={root: 100, later: 200})
    a = classify(f, "history", reach, Traced())
    assert a.exposure == "local"
    assert a.detail.commits == [root, later] and a.detail.local_commits == [root, later]
    assert a.detail.root_commits == [root] and a.detail.head == later
    assert a.first_seen is not None and a.first_seen["commit"] == root
    # A finding that already knows its first commit keeps it.
    f = f.replace(first_seen={"commit": later, "author": "Ada", "date": "second"})
    assert classify(f, "history", reach, Traced()).first_seen is None


def test_published_by_outside_the_primary_ref() -> None:
    key = make_key()
    c = commit_id()
    f = finding(key, Origin("blob", path="feat.env", commit=c))
    reach = with_remote(published={c}, meta={c: ("Ada", "d")},
                        containing={c: ["refs/heads/feature", "refs/remotes/origin/feature"]})
    a = classify(f, "history", reach, Traced())
    assert a.exposure == "pushed" and a.detail.published_by == "origin/feature"
    reach.containing = {}
    assert published_by(a.detail, "pushed", reach) == "a remote-tracking ref"


def test_assess_without_a_repository_returns_new_findings() -> None:
    key = make_key()
    f = finding(key, Origin("file", path="a.env")).replace(notes=["kept"])
    [outside] = assess([f], mode="worktree", snapshot=None, scanned=None)
    assert outside.exposure == "working-tree"
    assert outside.exposure_detail is not None
    assert outside.exposure_detail.remote_state == "outside-git"  # no git advice
    [stdin] = assess([finding(key, Origin("stdin"))], mode="stdin", snapshot=None,
                     scanned=None)
    assert stdin.exposure is None
    assert outside is not f and outside.notes == ["kept"]
    assert assess([], mode="history", snapshot=None, scanned=None) == []
