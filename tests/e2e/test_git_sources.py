"""Git sources: --history, --range/--since and --staged on real repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from psguard.testing import Repo, init_repo, make_key, run_psguard


def scan(*args: str, cwd: Path | None = None) -> tuple[int, dict[str, Any]]:
    run = run_psguard("scan", *args, "--format", "json", cwd=cwd)
    assert run.code in (0, 1, 3), run.stderr
    return run.code, run.json()


def finding_for(report: dict[str, Any], key: str) -> dict[str, Any]:
    tail = key[-4:]
    for f in report["findings"]:
        if f["secret"]["redacted"].endswith(tail):
            return f
    raise AssertionError(f"no finding for …{tail}: {report['findings']}")


def paths(finding: dict[str, Any]) -> set[str | None]:
    return {loc["path"] for loc in finding["locations"]}


def kinds(finding: dict[str, Any]) -> set[str]:
    return {loc["kind"] for loc in finding["locations"]}


def env_line(key: str) -> str:
    return f"POOLSIDE_API_KEY={key}\n"


# --- history -----------------------------------------------------------------------


def test_history_finds_deleted_and_renamed_files_with_first_commit(repo: Repo) -> None:
    deleted, renamed = make_key(), make_key()
    repo.write("README.md", "hello\n")
    repo.commit("init")
    repo.write("old.env", env_line(deleted))
    repo.write("conf/a.env", env_line(renamed))
    first = repo.commit("add keys")
    repo.git("rm", "-q", "old.env")
    repo.git("mv", "conf/a.env", "conf/b.env")
    moved = repo.commit("delete one, rename the other")

    code, report = scan("--history", str(repo.path))
    assert code == 1
    assert report["scan"]["mode"] == "history" and report["scan"]["complete"] is True
    gone = finding_for(report, deleted)
    assert paths(gone) == {"old.env"}
    assert gone["first_seen"]["commit"] == first
    assert gone["first_seen"]["author"] == "Ada Author <ada@example.invalid>"
    assert gone["present_at_head"] is False
    assert gone["refs"] == ["refs/heads/main"]
    kept = finding_for(report, renamed)
    assert paths(kept) == {"conf/a.env", "conf/b.env"}
    assert kept["first_seen"]["commit"] == first
    assert moved in {loc["commit"] for loc in kept["locations"]}
    assert kept["present_at_head"] is True
    # raw keys never reach the report
    assert deleted not in str(report) and renamed not in str(report)


def test_history_unmerged_branch_and_tag_only_commit(repo: Repo) -> None:
    on_branch, on_tag = make_key(), make_key()
    repo.write("a.txt", "a\n")
    repo.commit("init")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("feature.env", env_line(on_branch))
    branch_commit = repo.commit("feature work")
    repo.git("checkout", "-q", "-b", "release", "main")
    repo.write("release.env", env_line(on_tag))
    tag_commit = repo.commit("release work")
    repo.git("tag", "v1.0")
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-D", "release")

    code, report = scan("--history", str(repo.path))
    assert code == 1
    b = finding_for(report, on_branch)
    assert paths(b) == {"feature.env"}
    assert b["first_seen"]["commit"] == branch_commit
    assert b["refs"] == ["refs/heads/feature"]
    assert b["present_at_head"] is False
    t = finding_for(report, on_tag)
    assert paths(t) == {"release.env"}
    assert t["first_seen"]["commit"] == tag_commit
    assert t["refs"] == ["refs/tags/v1.0"]


def test_history_refs_reaching_each_key_agree_with_git(repo: Repo, tmp_path: Path) -> None:
    # Branches, a remote-tracking branch, an annotated tag, a lightweight tag and the
    # stash: each finding names exactly the refs `git for-each-ref --contains` names.
    old, mid, side = make_key(), make_key(), make_key()
    repo.write("a.txt", "a\n")
    repo.commit("init")
    repo.write("old.env", env_line(old))
    c_old = repo.commit("old key")
    repo.git("tag", "-a", "v1", "-m", "release one")
    repo.add_origin(tmp_path / "origin.git")
    repo.git("push", "-q", "origin", "main")
    repo.write("mid.env", env_line(mid))
    c_mid = repo.commit("mid key")
    repo.git("checkout", "-q", "-b", "side", c_old)
    repo.write("side.env", env_line(side))
    c_side = repo.commit("side key")
    repo.git("tag", "side-tip")
    repo.git("checkout", "-q", "main")
    repo.write("a.txt", "work in progress\n")
    repo.git("stash", "-q")

    code, report = scan("--history", str(repo.path))
    assert code == 1
    for key, commit in ((old, c_old), (mid, c_mid), (side, c_side)):
        f = finding_for(report, key)
        assert f["first_seen"]["commit"] == commit
        expected = repo.git("for-each-ref", "--format=%(refname)", f"--contains={commit}")
        assert f["refs"] == expected.split(), key[-4:]
    assert finding_for(report, old)["refs"] == [
        "refs/heads/main", "refs/heads/side", "refs/remotes/origin/main", "refs/stash",
        "refs/tags/side-tip", "refs/tags/v1"]
    assert finding_for(report, side)["refs"] == ["refs/heads/side", "refs/tags/side-tip"]


def test_history_messages_notes_and_stashes(repo: Repo) -> None:
    in_commit_msg, in_tag_msg, in_note, in_stash, in_old_stash = (make_key() for _ in range(5))
    repo.write("app.py", "x = 1\n")
    repo.commit("init")
    repo.write("app.py", "x = 2\n")
    msg_commit = repo.commit(f"rotate\n\nold POOLSIDE_API_KEY was {in_commit_msg}")
    repo.git("tag", "-a", "v2", "-m", f"release notes: api_key {in_tag_msg}")
    repo.git("notes", "add", "-m", f"deployed with POOLSIDE_API_KEY={in_note}", "HEAD")
    repo.write("app.py", f"KEY = '{in_old_stash}'  # poolside\n")
    repo.git("stash", "-q")
    repo.write("app.py", f"KEY = '{in_stash}'  # poolside\n")
    repo.git("stash", "-q")

    code, report = scan("--history", str(repo.path))
    assert code == 1
    c = finding_for(report, in_commit_msg)
    assert kinds(c) == {"commit-message"}
    assert c["first_seen"]["commit"] == msg_commit
    t = finding_for(report, in_tag_msg)
    assert kinds(t) == {"tag-message"}
    assert paths(t) == {"refs/tags/v2"}
    assert t["first_seen"]["commit"] == msg_commit  # the tagged commit
    n = finding_for(report, in_note)
    assert kinds(n) == {"note"}
    assert paths(n) == {msg_commit}
    assert n["first_seen"]["commit"] == repo.git("rev-parse", "refs/notes/commits")
    for key, entry in ((in_stash, "stash@{0}"), (in_old_stash, "stash@{1}")):
        s = finding_for(report, key)  # refs/stash and its reflog entries
        assert kinds(s) == {"stash"}
        assert paths(s) == {"app.py"}
        assert s["first_seen"]["commit"] == repo.git("rev-parse", entry)


def _evil_merge(repo: Repo, key: str) -> tuple[str, str]:
    repo.write("a.txt", "a\n")
    base = repo.commit("init")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("b.txt", "b\n")
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.write("c.txt", "c\n")
    repo.commit("main")
    repo.git("merge", "-q", "--no-ff", "--no-commit", "side")
    repo.write("merged.env", env_line(key))
    repo.git("add", "merged.env")
    repo.git("commit", "-q", "-m", "merge side")
    return base, repo.git("rev-parse", "HEAD")


def test_evil_merge_found_by_history_and_range(repo: Repo) -> None:
    key = make_key()
    base, merge = _evil_merge(repo, key)
    for args in (["--history"], ["--range", f"{base}..HEAD"], ["--since", base]):
        code, report = scan(*args, str(repo.path))
        assert code == 1, args
        f = finding_for(report, key)
        assert paths(f) == {"merged.env"}
        assert {loc["commit"] for loc in f["locations"]} == {merge}
        assert f["first_seen"]["commit"] == merge


def test_detached_head_and_odd_file_names(repo: Repo) -> None:
    detached, odd = make_key(), make_key()
    repo.write("a.txt", "a\n")
    repo.commit("init")
    repo.git("checkout", "-q", "--detach")
    repo.write("d.env", env_line(detached))
    detached_commit = repo.commit("on a detached HEAD")
    (repo.path / "dir with space").mkdir()
    raw = bytes(repo.path) + b"/dir with space/new\nline-\xff.env"
    with open(raw, "wb") as fh:
        fh.write(env_line(odd).encode())
    odd_commit = repo.commit("odd name")

    code, report = scan("--history", str(repo.path))
    assert code == 1
    d = finding_for(report, detached)
    assert d["first_seen"]["commit"] == detached_commit
    assert paths(d) == {"d.env"}
    o = finding_for(report, odd)
    assert o["first_seen"]["commit"] == odd_commit
    assert paths(o) == {"dir with space/new\nline-\\xff.env"}


def test_empty_repository_and_non_git_directory(repo: Repo, tmp_path: Path) -> None:
    code, report = scan("--history", str(repo.path))
    assert code == 0 and report["findings"] == [] and report["scan"]["complete"]
    plain = tmp_path / "plain"
    plain.mkdir()
    for mode in (["--history"], ["--staged"], ["--range", "HEAD~1..HEAD"]):
        run = run_psguard("scan", *mode, str(plain))
        assert run.code == 2, mode
        assert "not a git repository" in run.stderr
        assert "Traceback" not in run.stderr


def test_submodule_is_noted_not_descended(repo: Repo, tmp_path: Path, git_home: Path) -> None:
    sub = init_repo(tmp_path / "sub", git_home)
    sub.write("s.txt", "s\n")
    sub.commit("sub")
    repo.write("a.txt", "a\n")
    repo.commit("init")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q",
             str(sub.path), "vendor/sub")
    code, report = scan("--staged", str(repo.path))
    assert code == 0
    assert [p["target"] for p in report["scan"]["problems"]] == ["vendor/sub"]
    repo.commit("add submodule")
    code, report = scan("--history", str(repo.path))
    assert code == 0
    notes = [p for p in report["scan"]["problems"] if p["target"] == "vendor/sub"]
    assert notes and "submodule" in notes[0]["detail"]
    assert report["scan"]["complete"] is True


# --- partial and shallow clones -----------------------------------------------------------


def _origin_with_history(tmp_path: Path, git_home: Path, old_key: str,
                         head_key: str | None) -> tuple[Repo, str]:
    origin = init_repo(tmp_path / "origin", git_home)
    origin.git("config", "uploadpack.allowFilter", "true")
    origin.write("old.env", env_line(old_key))
    old_commit = origin.commit("old key")
    origin.git("rm", "-q", "old.env")
    origin.write("app.py", "print('hi')\n")
    origin.commit("remove key")
    if head_key:
        origin.write("live.env", env_line(head_key))
        origin.commit("new key")
    return origin, old_commit


def _clone(origin: Repo, dest: Path, *flags: str) -> Repo:
    clone = Repo(dest, origin.home)
    subprocess.run(["git", "clone", "-q", *flags, f"file://{origin.path}", str(dest)],
                   check=True, env=origin.env, capture_output=True)
    return clone


def _missing(clone: Repo) -> list[str]:
    out = clone.git("rev-list", "--objects", "--all", "--missing=print")
    return [line[1:] for line in out.splitlines() if line.startswith("?")]


def test_partial_clone_missing_blobs_exit_3(tmp_path: Path, git_home: Path) -> None:
    origin, _ = _origin_with_history(tmp_path, git_home, make_key(), None)
    clone = _clone(origin, tmp_path / "clone", "--filter=blob:none")
    before = _missing(clone)
    assert before, "the filtered clone should lack the old blob"
    code, report = scan("--history", str(clone.path))
    assert code == 3
    assert report["scan"]["complete"] is False
    problems = {p["target"] for p in report["scan"]["problems"]
                if p["kind"] == "missing-object"}
    assert set(before) <= problems
    assert report["findings"] == []
    assert _missing(clone) == before  # the scan fetched nothing


def test_partial_clone_reports_readable_key_and_stays_incomplete(
        tmp_path: Path, git_home: Path) -> None:
    head_key = make_key()
    origin, _ = _origin_with_history(tmp_path, git_home, make_key(), head_key)
    clone = _clone(origin, tmp_path / "clone", "--filter=blob:none")
    code, report = scan("--history", str(clone.path))
    assert code == 1  # blocking findings win over an incomplete scan
    assert report["scan"]["complete"] is False
    f = finding_for(report, head_key)
    assert paths(f) == {"live.env"}
    assert f["first_seen"]["commit"] == origin.git("rev-parse", "HEAD")


def test_shallow_clone(tmp_path: Path, git_home: Path) -> None:
    head_key = make_key()
    origin, _ = _origin_with_history(tmp_path, git_home, make_key(), head_key)
    clone = _clone(origin, tmp_path / "shallow", "--depth", "1")
    code, report = scan("--history", str(clone.path))
    assert code == 1
    f = finding_for(report, head_key)
    assert paths(f) == {"live.env"}
    assert f["first_seen"]["commit"] == origin.git("rev-parse", "HEAD")
    assert report["scan"]["complete"] is False
    assert any("shallow" in p["detail"] for p in report["scan"]["problems"])


# --- ranges -----------------------------------------------------------------------------


def test_range_and_since_cover_only_the_range(repo: Repo) -> None:
    before, inside, in_msg, in_mid_msg = make_key(), make_key(), make_key(), make_key()
    repo.write("a.env", env_line(before))
    base = repo.commit("old")
    repo.write("b.env", env_line(inside))
    added = repo.commit("new")
    repo.write("d.txt", "d\n")
    mid = repo.commit(f"wip: token {in_mid_msg}")  # a message inside the range, not its tip
    repo.write("c.txt", "c\n")
    msg = repo.commit(f"note: api_key {in_msg}")
    for args in (["--range", f"{base}..HEAD"], ["--since", base]):
        code, report = scan(*args, str(repo.path))
        assert code == 1
        assert report["scan"]["mode"] == "range"
        assert report["scan"]["stats"]["commits"] == 3
        assert len(report["findings"]) == 3
        f = finding_for(report, inside)
        assert paths(f) == {"b.env"} and f["first_seen"]["commit"] == added
        assert finding_for(report, in_msg)["first_seen"]["commit"] == msg
        assert finding_for(report, in_mid_msg)["first_seen"]["commit"] == mid
    code, report = scan("--range", f"{added}..HEAD", str(repo.path))
    assert code == 1 and len(report["findings"]) == 2
    code, report = scan("--range", f"{msg}..HEAD", str(repo.path))
    assert code == 0 and report["findings"] == []
    bad = run_psguard("scan", "--range", "nope..HEAD", str(repo.path))
    assert bad.code == 2 and "unknown revision" in bad.stderr
    bad = run_psguard("scan", "--range", "--output=x", str(repo.path))
    assert bad.code == 2


def test_large_range_over_packed_and_loose_objects(repo: Repo) -> None:
    # Over 2,000 objects a range is read in pack order (backwards), and with more than
    # 4 MB of it on disk by a worker per core: every object is still read exactly once.
    import base64
    import random

    rng = random.Random(5)
    packed_key, loose_key = make_key(), make_key()
    repo.write("a.txt", "a\n")
    base = repo.commit("init")
    for i in range(2100):  # incompressible: about 5 MB in the pack
        repo.write(f"many/f{i}.txt", base64.b64encode(rng.randbytes(2400)).decode())
    repo.write("many/k.env", env_line(packed_key))
    packed = repo.commit("many files")
    repo.git("repack", "-adq")
    repo.write("loose.env", env_line(loose_key))
    loose = repo.commit("one more")
    assert list((repo.path / ".git" / "objects").glob("??/*"))  # some objects are loose

    code, report = scan("--range", f"{base}..HEAD", str(repo.path))
    assert code == 1
    assert report["scan"]["stats"]["blobs"] == 2102
    assert report["scan"]["stats"]["bytes"] > 4 << 20
    assert report["scan"]["stats"]["commits"] == 2
    assert finding_for(report, packed_key)["first_seen"]["commit"] == packed
    assert finding_for(report, loose_key)["first_seen"]["commit"] == loose


# --- staged ------------------------------------------------------------------------------


def test_staged_uses_index_content_not_worktree(repo: Repo) -> None:
    key = make_key()
    repo.write("app.py", "x = 1\n")
    repo.commit("init")
    # key only in the working tree, not staged: nothing to block
    repo.write("app.py", f"x = 1\nKEY = '{key}'  # poolside\n")
    code, report = scan("--staged", cwd=repo.path)
    assert code == 0 and report["findings"] == []
    # stage it, then remove it from the working tree: the commit would still carry it
    repo.git("add", "app.py")
    repo.write("app.py", "x = 1\n")
    code, report = scan("--staged", cwd=repo.path)
    assert code == 1
    f = finding_for(report, key)
    assert paths(f) == {"app.py"} and f["locations"][0]["line"] == 2
    assert f["pre_existing"] is False


def test_staged_partial_file_and_pre_existing_keys(repo: Repo) -> None:
    old, new = make_key(), make_key()
    repo.write("settings.py", f"A = 1\nPOOLSIDE_API_KEY = '{old}'\n")
    repo.commit("already leaked")
    repo.write("settings.py", f"A = 2\nPOOLSIDE_API_KEY = '{old}'\n")
    repo.git("add", "settings.py")
    code, report = scan("--staged", cwd=repo.path)
    assert code == 0  # only a pre-existing key: reported, not blocking
    f = finding_for(report, old)
    assert f["pre_existing"] is True
    # partially stage a second file: only the staged hunk counts
    repo.write("other.py", "a = 1\n" + "pad = 0\n" * 20 + "b = 1\n")
    repo.commit("other")
    repo.write("other.py", f"a = '{new}'  # poolside\n" + "pad = 0\n" * 20 + "b = 2\n")
    patch = repo.git("diff", "other.py")
    hunks = patch.split("\n@@")
    only_second = hunks[0] + "\n@@" + hunks[2] + "\n"
    repo.git("apply", "--cached", "-", input=only_second)
    code, report = scan("--staged", cwd=repo.path)
    assert code == 0 and report["findings"] == []  # the key sits in the unstaged hunk
    repo.git("add", "other.py")
    code, report = scan("--staged", cwd=repo.path)
    assert code == 1
    assert finding_for(report, new)["pre_existing"] is False


def test_staged_on_unborn_branch_and_subdirectory(repo: Repo) -> None:
    key, elsewhere = make_key(), make_key()
    repo.write("pkg/conf.env", env_line(key))
    repo.write("other/conf.env", env_line(elsewhere))
    repo.git("add", ".")
    code, report = scan("--staged", str(repo.path))
    assert code == 1
    assert len(report["findings"]) == 2
    code, report = scan("--staged", str(repo.path / "pkg"))
    assert code == 1
    assert paths(finding_for(report, key)) == {"pkg/conf.env"}
    assert len(report["findings"]) == 1
    # nothing staged at all
    empty = init_repo(repo.path.parent / "empty", repo.home)
    code, report = scan("--staged", str(empty.path))
    assert code == 0 and report["findings"] == []


# --- cache ---------------------------------------------------------------------------------


def test_history_cache_gives_the_same_answer_and_holds_no_key(repo: Repo) -> None:
    key, later = make_key(), make_key()
    repo.write("a.env", env_line(key))
    first = repo.commit("key")
    for i in range(5):
        repo.write(f"f{i}.txt", f"{i}\n")
    repo.commit("more")
    code1, r1 = scan("--history", str(repo.path))
    cache_dir = repo.path / ".git" / "psguard"
    assert cache_dir.is_dir()
    for f in cache_dir.iterdir():
        assert key.encode() not in f.read_bytes()
    code2, r2 = scan("--history", str(repo.path))
    assert code1 == code2 == 1
    assert r1["findings"] == r2["findings"]
    assert finding_for(r2, key)["first_seen"]["commit"] == first
    # new content after the cache was written is still scanned
    repo.write("b.env", env_line(later))
    added = repo.commit("another key")
    code3, r3 = scan("--history", str(repo.path))
    assert finding_for(r3, later)["first_seen"]["commit"] == added
    code4, r4 = scan("--history", "--no-cache", str(repo.path))
    assert code3 == code4 == 1
    assert r4["findings"] == r3["findings"]


def test_large_history_uses_parallel_readers_and_cache_keeps_messages(repo: Repo) -> None:
    # Over the inline threshold (4 MB of objects): sharded worker processes read it.
    import random

    rng = random.Random(7)
    words = [f"word{i}" for i in range(500)]
    keys = [make_key() for _ in range(4)]
    for i in range(24):
        body = "\n".join(" ".join(rng.choices(words, k=12)) for _ in range(3000))
        if i % 6 == 0:
            body += "\n" + env_line(keys[i // 6])
        repo.write(f"data/file{i}.txt", body)
        repo.commit(f"add file {i}")
    tag_key = make_key()
    repo.git("tag", "-a", "v1", "-m", f"api_key {tag_key}")
    for attempt in ("cold", "warm"):
        code, report = scan("--history", str(repo.path))
        assert code == 1, attempt
        assert report["scan"]["stats"]["bytes"] > 4 << 20 or attempt == "warm"
        for i, key in enumerate(keys):
            assert paths(finding_for(report, key)) == {f"data/file{i * 6}.txt"}
        assert kinds(finding_for(report, tag_key)) == {"tag-message"}



def test_keys_inside_deep_delta_chains_of_a_packed_repository(repo: Repo) -> None:
    # Readers ask for objects backwards through the pack (bases after their deltas):
    # keys that live a few versions in the middle of long delta chains, split over
    # both readers, must each be found with the commit that introduced them.
    import base64
    import random

    rng = random.Random(11)
    lines = [f"line {i} {rng.getrandbits(64):x}" for i in range(6000)]
    keys: dict[str, tuple[str, str]] = {}  # key -> (path, introducing commit)
    for version in range(30):
        for name in ("a.cfg", "b.cfg"):
            for _ in range(40):  # small edits: each version is a delta of its neighbour
                lines[rng.randrange(len(lines))] = f"edit {rng.getrandbits(64):x}"
            body = "\n".join(lines)
            if version % 7 == 3:  # a key lives in this version of the file only
                k = make_key()
                body = body.replace(lines[3000], env_line(k).strip(), 1)
                assert k in body
                keys[k] = (name, "")
            repo.write(name, body + "\n")
        # Incompressible filler: the pack stays above the inline-reader threshold.
        repo.write(f"noise/{version}.b64", base64.b64encode(rng.randbytes(200_000)).decode())
        sha = repo.commit(f"version {version}")
        keys = {k: (p, c or sha) for k, (p, c) in keys.items()}
    repo.git("repack", "-adf", "--depth=50", "--window=50")
    assert not list((repo.path / ".git" / "objects").glob("??/*"))  # all packed
    bases = repo.git("cat-file", "--batch-all-objects", "--batch-check=%(objecttype) "
                     "%(deltabase)").split("\n")
    assert sum(1 for b in bases if b.startswith("blob ") and b[5:].strip("0")) >= 50

    code, report = scan("--history", "--no-cache", str(repo.path))
    assert code == 1 and report["scan"]["complete"] is True
    assert report["scan"]["stats"]["bytes"] > 4 << 20
    assert len(report["findings"]) == len(keys) == 8
    for k, (path, introduced) in keys.items():
        f = finding_for(report, k)
        assert paths(f) == {path}
        assert f["first_seen"]["commit"] == introduced
def test_amended_commit_and_dangling_blob(repo: Repo) -> None:
    amended, dangling = make_key(), make_key()
    repo.write("a.txt", "a\n")
    repo.commit("init")
    repo.write("oops.env", env_line(amended))
    leaked = repo.commit("oops")
    repo.git("rm", "-q", "oops.env")
    repo.git("commit", "-q", "--amend", "--allow-empty", "-m", "fixed")
    repo.write("never.env", env_line(dangling))
    repo.git("add", "never.env")
    repo.git("rm", "-q", "--cached", "never.env")
    (repo.path / "never.env").unlink()
    code, report = scan("--history", str(repo.path))
    assert code == 1
    a = finding_for(report, amended)
    assert a["first_seen"]["commit"] == leaked and paths(a) == {"oops.env"}
    assert any("reflog" in n for n in a["notes"])
    d = finding_for(report, dangling)
    assert d["first_seen"] is None and paths(d) == {None}
    assert any("no ref or reflog" in n for n in d["notes"])


def test_bare_mirror_history_and_staged_refusal(repo: Repo, tmp_path: Path) -> None:
    key = make_key()
    repo.write("k.env", env_line(key))
    first = repo.commit("key")
    mirror = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(repo.path), str(mirror)],
                   check=True, env=repo.env, capture_output=True)
    code, report = scan("--history", str(mirror))
    assert code == 1
    f = finding_for(report, key)
    assert paths(f) == {"k.env"} and f["first_seen"]["commit"] == first
    run = run_psguard("scan", "--staged", str(mirror))
    assert run.code == 2 and "bare repository" in run.stderr


def test_lfs_pointer_files_are_scanned_and_noted(repo: Repo) -> None:
    key = make_key()
    repo.write(".gitattributes", "*.bin filter=lfs diff=lfs merge=lfs -text\n")
    repo.write("model.bin", "version https://git-lfs.github.com/spec/v1\n"
               "oid sha256:" + "ab" * 32 + "\nsize 12345\n")
    repo.write("conf.env", env_line(key))
    repo.commit("lfs")
    code, report = scan("--history", str(repo.path))
    assert code == 1
    assert paths(finding_for(report, key)) == {"conf.env"}
    lfs = [p for p in report["scan"]["problems"] if p["target"] == "git-lfs"]
    assert lfs and report["scan"]["complete"] is True


def test_history_decodes_base64_in_blobs(repo: Repo) -> None:
    import base64

    key = make_key()
    encoded = base64.b64encode(env_line(key).encode()).decode()
    repo.write("deploy/secret.yaml", f"data:\n  env: {encoded}\n")
    first = repo.commit("k8s secret")
    repo.git("rm", "-q", "deploy/secret.yaml")
    repo.commit("remove")
    code, report = scan("--history", str(repo.path))
    assert code == 1
    f = finding_for(report, key)
    assert paths(f) == {"deploy/secret.yaml"} and f["first_seen"]["commit"] == first
    assert all(loc["decoded_from"] for loc in f["locations"])
    assert key not in str(report) and encoded not in str(report)


def test_config_excludes_apply_to_history_and_ranges(repo: Repo) -> None:
    fixture, real = make_key(), make_key()
    repo.write("init.txt", "x\n")
    base = repo.commit("init")
    repo.write(".psguard.toml", 'exclude = ["fixtures/**"]\n')
    repo.write("fixtures/sample.env", env_line(fixture))
    repo.write("app.env", env_line(real))
    repo.commit("keys")
    for args in (["--history"], ["--range", f"{base}..HEAD"]):
        code, report = scan(*args, str(repo.path))
        assert code == 1
        assert [f["secret"]["redacted"][-4:] for f in report["findings"]] == [real[-4:]]


def test_blobs_above_max_file_size_are_skipped_not_read(repo: Repo) -> None:
    small, big = make_key(), make_key()
    repo.write(".psguard.toml", 'max_file_size = "2KB"\n')
    repo.write("small.env", env_line(small))
    repo.write("big.txt", "x" * 5000 + "\n" + env_line(big))
    repo.commit("sizes")
    for args in (["--history"], ["--range", "HEAD^!"]):
        code, report = scan(*args, str(repo.path))
        assert code == 1
        assert [f["secret"]["redacted"][-4:] for f in report["findings"]] == [small[-4:]]
        too_large = [p for p in report["scan"]["problems"] if p["kind"] == "too-large"]
        assert too_large and report["scan"]["complete"] is True


def test_damaged_repository_lists_the_missing_object(repo: Repo) -> None:
    repo.write("a.txt", "one\n")
    repo.commit("one")
    repo.write("b.txt", "two\n")
    repo.commit("two")
    lost = repo.git("rev-parse", "HEAD:b.txt")
    (repo.path / ".git" / "objects" / lost[:2] / lost[2:]).unlink()
    for args in (["--history"], ["--range", "HEAD~1..HEAD"]):
        code, report = scan(*args, str(repo.path))
        assert code == 3, args
        assert report["scan"]["complete"] is False
        assert [p["target"] for p in report["scan"]["problems"]
                if p["kind"] == "missing-object"] == [lost]


def _lose(repo: Repo, oid: str) -> None:
    (repo.path / ".git" / "objects" / oid[:2] / oid[2:]).unlink()


def _missing_objects(report: dict[str, Any]) -> list[str]:
    return sorted(p["target"] for p in report["scan"]["problems"]
                  if p["kind"] == "missing-object")


@pytest.mark.parametrize("where", ["stash", "older-stash", "notes", "tree-ref", "tag-to-tree",
                                   "evil-merge"])
def test_missing_blob_outside_the_branches_is_listed(repo: Repo, where: str) -> None:
    """Blobs that only the stash (or an older stash entry), a notes ref, a ref to a
    tree or a merge's own resolution reach are still found missing."""
    repo.write("a.txt", "one\n")
    repo.commit("one")
    if where in ("stash", "older-stash"):
        repo.write("a.txt", "stashed\n")
        repo.git("stash", "-q")
        lost = repo.git("rev-parse", "stash@{0}:a.txt")
        if where == "older-stash":
            repo.write("a.txt", "stashed later\n")
            repo.git("stash", "-q")
            assert repo.git("rev-parse", "stash@{1}:a.txt") == lost
    elif where == "notes":
        repo.git("notes", "add", "-m", "a note only the notes ref reaches", "HEAD")
        lost = repo.git("rev-parse", f"refs/notes/commits:{repo.git('rev-parse', 'HEAD')}")
    elif where in ("tree-ref", "tag-to-tree"):
        lost = repo.git("hash-object", "-w", "--stdin", input="kept aside\n")
        tree = repo.git("mktree", input=f"100644 blob {lost}\taside.txt\n")
        if where == "tree-ref":
            repo.git("update-ref", "refs/keep/aside", tree)
        else:
            repo.git("tag", "-a", "aside", "-m", "a tree", tree)
    else:
        _evil_merge(repo, "no key here")
        lost = repo.git("rev-parse", "HEAD:merged.env")
    _lose(repo, lost)
    code, report = scan("--history", str(repo.path))
    assert code == 3
    assert report["scan"]["complete"] is False
    assert _missing_objects(report) == [lost]


@pytest.mark.parametrize("lost_kind", ["tree", "commit", "tag"])
def test_missing_tree_commit_or_tag_is_listed(repo: Repo, lost_kind: str) -> None:
    key = make_key()
    repo.write("d/a.txt", "one\n")
    repo.commit("one")
    repo.write("d/b.env", env_line(key))
    repo.commit("two")
    repo.git("tag", "-a", "v1", "-m", "release", "HEAD~1")
    lost = repo.git("rev-parse", {"tree": "HEAD:d", "commit": "HEAD~1", "tag": "v1"}[lost_kind])
    _lose(repo, lost)
    code, report = scan("--history", str(repo.path))
    assert code == 1  # the key is still found: a blocking finding wins over exit 3
    assert report["scan"]["complete"] is False
    assert lost in _missing_objects(report)
    finding_for(report, key)


# --- listing packs without git (large object stores) --------------------------------

def _git_listing(repo: Repo) -> list[tuple[str, str]]:
    out = repo.git("cat-file", "--batch-all-objects",
                   "--batch-check=%(objectname) %(objecttype)")
    return sorted((oid, kind) for oid, kind in (line.split() for line in out.splitlines())
                  if kind != "tree")


@pytest.mark.parametrize("offset_deltas", [True, False])
def test_pack_listing_matches_git(repo: Repo, offset_deltas: bool) -> None:
    """Reading pack indexes and headers directly lists exactly what git lists: every
    blob, commit and tag once, across packs with delta chains (by offset or by id),
    objects repeated in two packs, and loose objects."""
    from psguard.git.packlist import list_pack_objects

    text = "".join(f"line {i} of a file that changes a little each time\n" for i in range(300))
    for i in range(12):
        text = text.replace(f"line {i * 7} ", f"line {i * 7} edited ")
        repo.write("src/module.py", text)
        repo.write(f"docs/note{i % 3}.txt", text[: 2000 + 100 * i])
        repo.commit(f"change {i}")
    repo.git("tag", "-a", "v1", "-m", "release")
    repo.git("-c", f"repack.useDeltaBaseOffset={str(offset_deltas).lower()}",
             "repack", "-adf", "-q")
    repo.write("src/module.py", text + "tail\n")
    repo.commit("after the first pack")
    repo.git("repack", "-d", "-q")  # a second pack with the new objects
    first = repo.git("rev-parse", "HEAD~3")
    repo.git("pack-objects", "-q", ".git/objects/pack/pack", input=first + "\n")  # duplicates
    repo.write("loose.txt", "only loose\n")
    repo.commit("loose")
    listed = list_pack_objects(repo.path / ".git")
    assert listed is not None
    assert sorted((o.oid, o.type) for o in listed) == _git_listing(repo)
    assert len({o.oid for o in listed}) == len(listed)
    assert all(o.size > 0 for o in listed)


def test_pack_listing_defers_to_git_for_alternates(tmp_path: Path, git_home: Path) -> None:
    from psguard.git.packlist import list_pack_objects

    origin = init_repo(tmp_path / "origin", git_home)
    origin.write("a.txt", "a\n")
    origin.commit("a")
    subprocess.run(["git", "clone", "-q", "--shared", str(origin.path), str(tmp_path / "c")],
                   check=True, env=origin.env, capture_output=True)
    assert list_pack_objects(tmp_path / "c" / ".git") is None
