"""Exposure (how far a key has travelled) and the remediation steps that follow from it.

Every test builds a real repository with a real bare remote; keys are made at run time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from psguard.models import Finding, Verification
from psguard.pipeline import run_scan
from psguard.request import ScanRequest
from psguard.stages.remediation import steps
from psguard.stages.rewrite import replacement_line
from psguard.testing import Repo, init_repo, make_key, run_psguard


def scan_json(*args: str, cwd: Path | None = None) -> dict[str, Any]:
    run = run_psguard("scan", *args, "--format", "json", cwd=cwd)
    assert run.code in (0, 1), run.stderr
    data: dict[str, Any] = run.json()
    return data


def finding_for(report: dict[str, Any], key: str) -> dict[str, Any]:
    for f in report["findings"]:
        if f["secret"]["redacted"].endswith(key[-4:]):
            return f
    raise AssertionError(f"no finding for …{key[-4:]}")


def env_line(key: str) -> str:
    return f"POOLSIDE_API_KEY={key}\n"


class World:
    """One clone of a bare remote with the same kind of key in each exposure."""

    def __init__(self, tmp_path: Path, home: Path) -> None:
        self.repo = repo = init_repo(tmp_path / "work", home)
        self.remote = repo.add_origin(tmp_path / "remote.git")
        self.keys = {name: make_key() for name in
                     ("working-tree", "staged", "local", "pushed", "stash", "tag")}
        repo.write("README.md", "hello\n")
        repo.write("stashed.env", "# nothing yet\n")
        repo.commit("init")
        repo.write("pushed.env", env_line(self.keys["pushed"]))
        self.pushed_commit = repo.commit("add pushed.env")
        repo.git("push", "-q", "-u", "origin", "main")
        # A commit only a tag reaches: made on a branch that is then deleted.
        repo.git("checkout", "-q", "-b", "scratch")
        repo.write("tagged.env", env_line(self.keys["tag"]))
        repo.commit("tagged experiment")
        repo.git("tag", "v0-experiment")
        repo.git("checkout", "-q", "main")
        repo.git("branch", "-q", "-D", "scratch")
        # Unpushed: the key's commit and one more after it.
        repo.write("local.env", env_line(self.keys["local"]))
        self.local_commit = repo.commit("add local.env")
        repo.write("README.md", "hello again\n")
        repo.commit("docs")
        # Only in a stash.
        repo.write("stashed.env", env_line(self.keys["stash"]))
        repo.git("stash", "-q")
        # Staged, and only on disk.
        repo.write("staged.env", env_line(self.keys["staged"]))
        repo.git("add", "staged.env")
        repo.write("wt.env", env_line(self.keys["working-tree"]))


@pytest.fixture
def world(tmp_path: Path, git_home: Path) -> World:
    return World(tmp_path, git_home)


def test_exposure_and_first_step_for_each_place_not_checked(world: World) -> None:
    """End to end through the CLI (verification not checked)."""
    keys = world.keys
    wt = scan_json(str(world.repo.path))
    hist = scan_json("--history", str(world.repo.path))
    got = {
        "working-tree": finding_for(wt, keys["working-tree"]),
        "staged": finding_for(wt, keys["staged"]),
        "local": finding_for(wt, keys["local"]),
        "pushed": finding_for(wt, keys["pushed"]),
        "stash": finding_for(hist, keys["stash"]),
        "tag": finding_for(hist, keys["tag"]),
    }
    for f in got.values():
        assert f["verification"]["status"] == "not_checked"
    assert {k: f["exposure"] for k, f in got.items()} == {
        "working-tree": "working-tree", "staged": "staged", "local": "local",
        "pushed": "pushed", "stash": "local", "tag": "local"}
    assert got["stash"]["exposure_detail"]["only_in"] == ["stash"]
    assert got["stash"]["exposure_detail"]["stashes"] == ["stash@{0}"]
    assert got["tag"]["exposure_detail"]["only_in"] == ["tag"]
    assert got["tag"]["exposure_detail"]["tags"] == ["v0-experiment"]
    assert got["pushed"]["exposure_detail"]["published_by"] == "origin/main"
    assert any("only in a stash" in n for n in got["stash"]["notes"])
    human = run_psguard("scan", "--history", str(world.repo.path)).stdout
    assert "exposure: local (only in stash)" in human
    assert "exposure: local (only in tag)" in human
    assert any("v0-experiment" in n for n in got["tag"]["notes"])
    # History scans agree with the working-tree scan on committed keys.
    assert finding_for(hist, keys["local"])["exposure"] == "local"
    assert finding_for(hist, keys["pushed"])["exposure"] == "pushed"
    assert finding_for(hist, keys["pushed"])["first_seen"]["commit"] == world.pushed_commit

    first = {k: f["remediation"][0] for k, f in got.items()}
    assert first["working-tree"]["text"].startswith("Take the key out of wt.env")
    assert first["staged"]["command"] == "git restore --staged staged.env"
    assert first["local"]["text"].startswith("Do not push yet")
    assert first["local"]["command"] == f"git rebase -i {world.local_commit[:12]}^"
    assert first["pushed"]["text"].startswith("Revoke it first")
    assert "Developer API Keys" in first["pushed"]["text"]
    assert "Security → API Keys" in first["pushed"]["text"]
    assert first["stash"]["command"] == "git stash drop 'stash@{0}'"
    tag = world.repo.git("rev-parse", "refs/tags/v0-experiment")
    assert first["tag"]["command"] == ("git ls-remote --tags origin refs/tags/v0-experiment"
                                       f" | grep -E '^({tag})[[:space:]]'")


def _in_process(path: Path, mode: str = "worktree") -> dict[str, Finding]:
    result = run_scan(ScanRequest(path=path, mode=mode))
    return {f.secret: f for f in result.findings}


TAG_CHECK = "git ls-remote --tags origin refs/tags/v0-experiment | grep -E '^({tag})[[:space:]]'"
EXPECTED_FIRST = {
    # (place, status): (text prefix, command or None when any)
    ("working-tree", "live"): ("Take the key out of wt.env", None),
    ("working-tree", "rejected"): ("Delete the dead key from wt.env", None),
    ("working-tree", "not_checked"): ("Take the key out of wt.env", None),
    ("staged", "live"): ("Unstage", "git restore --staged staged.env"),
    ("staged", "rejected"): ("Unstage", "git restore --staged staged.env"),
    ("staged", "not_checked"): ("Unstage", "git restore --staged staged.env"),
    ("local", "live"): ("Do not push yet", "git rebase -i {local}^"),
    ("local", "rejected"): ("Do not push yet", "git rebase -i {local}^"),
    ("local", "not_checked"): ("Do not push yet", "git rebase -i {local}^"),
    ("pushed", "live"): ("Revoke it first", None),
    ("pushed", "rejected"): ("Poolside rejected this key", None),
    ("pushed", "not_checked"): ("Revoke it first", None),
    ("stash", "live"): ("Drop the stash", "git stash drop 'stash@{0}'"),
    ("stash", "rejected"): ("Drop the stash", "git stash drop 'stash@{0}'"),
    ("stash", "not_checked"): ("Drop the stash", "git stash drop 'stash@{0}'"),
    ("tag", "live"): ("Find out whether the tag was pushed",
                      TAG_CHECK),
    ("tag", "rejected"): ("Find out whether the tag was pushed",
                          TAG_CHECK),
    ("tag", "not_checked"): ("Find out whether the tag was pushed",
                             TAG_CHECK),
}


def test_first_step_for_each_place_and_status(world: World) -> None:
    """The real findings of each place, with each verification status set on them."""
    wt = _in_process(world.repo.path)
    hist = _in_process(world.repo.path, "history")
    findings = {place: (hist if place in ("stash", "tag") else wt)[key]
                for place, key in world.keys.items()}
    for (place, status), (prefix, command) in EXPECTED_FIRST.items():
        f = findings[place].replace(verification=Verification(status=status))
        first = steps(f)[0]
        assert first.text.startswith(prefix), (place, status, first.text)
        if command is not None:
            tag = world.repo.git("rev-parse", "refs/tags/v0-experiment")
            assert first.command == command.replace("{local}", world.local_commit[:12]) \
                .replace("{tag}", tag)
        everything = " ".join(f"{s.text} {s.command}" for s in steps(f))
        assert f.secret not in everything
        if status == "rejected":
            assert "nothing to revoke" in everything or "grant no access" in everything
        if place == "pushed" and status != "rejected":
            assert "cannot undo" in everything and "git filter-repo" in everything


def test_unknown_status_on_pushed_key_is_revoke_first(world: World) -> None:
    f = _in_process(world.repo.path)[world.keys["pushed"]]
    f = f.replace(verification=Verification(status="unknown"))
    assert steps(f)[0].text.startswith("Revoke it first")


def test_last_local_commit_is_amended_and_the_advice_works(repo: Repo, tmp_path: Path) -> None:
    repo.add_origin(tmp_path / "remote.git")
    repo.write("README.md", "hi\n")
    repo.commit("init")
    repo.git("push", "-q", "-u", "origin", "main")
    key = make_key()
    repo.write("app.env", env_line(key))
    head = repo.commit("add app.env")
    f = finding_for(scan_json(str(repo.path)), key)
    assert f["exposure"] == "local"
    assert f["exposure_detail"]["local_commits"] == [head]
    first = f["remediation"][0]
    assert first["command"] == "git add app.env && git commit --amend --no-edit"
    # What a pre-push check sees (the commits about to be pushed) gets the same advice.
    ranged = finding_for(scan_json("--range", "origin/main..HEAD", str(repo.path)), key)
    assert ranged["exposure"] == "local"
    assert ranged["remediation"][0]["command"] == first["command"]
    # Follow the advice literally: remove the key, amend, purge, and scan again.
    repo.write("app.env", "POOLSIDE_API_KEY=${POOLSIDE_API_KEY}\n")
    shell(first["command"], repo)
    purge = next(s for s in f["remediation"] if s["command"] and "gc --prune" in s["command"])
    shell(purge["command"], repo)
    run = run_psguard("scan", "--history", str(repo.path))
    assert run.code == 0, run.stdout


def shell(command: str, repo: Repo, cwd: Path | None = None) -> str:
    env = repo.env
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    proc = subprocess.run(["bash", "-c", command], cwd=cwd or repo.path, env=env, text=True,
                          capture_output=True)
    assert proc.returncode == 0, (command, proc.stderr)
    return proc.stdout


def test_filter_repo_steps_remove_a_pushed_key_without_writing_it(world: World,
                                                                  tmp_path: Path) -> None:
    """Follow the pushed-key steps literally, in one shell, from the repository's top:
    fresh clone, replacements file (psguard writes it), git filter-repo, the check of the
    rewritten clone, force-push; then check the remote."""
    key = world.keys["pushed"]
    f = finding_for(scan_json(str(world.repo.path)), key)
    cmds = [s["command"] for s in f["remediation"] if s["command"]]
    start = next(i for i, c in enumerate(cmds) if c.startswith("git clone --no-local"))
    script = cmds[start:start + 5]
    assert script[1].startswith("psguard scan --history --show-secrets --quiet")
    assert "git filter-repo" in script[2] and script[3] == "psguard scan --history"
    assert "git push --force --all origin" in script[4]
    assert not any(key in c for c in cmds)
    world.repo.git("commit", "-q", "-a", "-m", "wip")  # the fresh clone ignores local work
    out = shell(" && ".join(script), world.repo)
    assert key not in out
    assert not (tmp_path / "psguard-replacements.txt").exists()  # deleted once used
    check = tmp_path / "check"
    world.repo.git("clone", "-q", "--no-local", str(world.remote.path), str(check))
    history = subprocess.run(["git", "log", "--all", "-p"], cwd=check, capture_output=True,
                             text=True, check=True).stdout
    assert key not in history
    assert "***REMOVED-POOLSIDE-KEY***" in history
    assert run_psguard("scan", "--history", str(check)).code == 0


def test_replacement_line_matches_only_that_key_shape() -> None:
    key = make_key()
    line = replacement_line(key, show_secrets=False)
    assert key not in line
    pattern, _, replacement = line.removeprefix("regex:").partition("==>")
    rx = re.compile(pattern.encode())
    assert rx.sub(replacement.encode(), f"x={key};".encode()) == \
        f"x={replacement};".encode()
    other = make_key()
    assert rx.search(f"x={other}".encode()) is None or other[-4:] == key[-4:]
    assert rx.search(f"x={key}Z".encode()) is None  # a longer token is not this key
    assert replacement_line(key, show_secrets=True).startswith(key + "==>")


def test_steps_never_print_the_key_even_with_show_secrets(world: World) -> None:
    """psguard writes the replacements file itself: no command needs the key."""
    key = world.keys["pushed"]
    run = run_psguard("scan", str(world.repo.path), "--format", "json", "--show-secrets")
    f = finding_for(run.json(), key)
    commands = [s["command"] or "" for s in f["remediation"]]
    assert not any(key in c for c in commands)
    assert any("--write-replacements ../psguard-replacements.txt" in c for c in commands)


def test_committed_version_wins_over_working_tree(repo: Repo, tmp_path: Path) -> None:
    """A key still in a file that was pushed has travelled further than the work tree."""
    repo.add_origin(tmp_path / "remote.git")
    key = make_key()
    repo.write("conf/app.env", env_line(key))
    first = repo.commit("add conf")
    repo.git("push", "-q", "-u", "origin", "main")
    repo.write("conf/app.env", env_line(key) + "DEBUG=1\n")  # edited, not committed
    f = finding_for(scan_json(str(repo.path / "conf")), key)  # scanning a subdirectory
    assert f["exposure"] == "pushed"
    assert f["first_seen"]["commit"] == first
    assert any("committed version" in n for n in f["notes"])


def test_remote_without_tracking_refs_counts_as_pushed(repo: Repo) -> None:
    """A remote is configured but nothing says what it has (a mirror, a CI checkout)."""
    key = make_key()
    repo.write("a.env", env_line(key))
    repo.commit("add")
    repo.git("remote", "add", "origin", "https://git.example.invalid/team/app.git")
    f = finding_for(scan_json("--history", str(repo.path)), key)
    assert f["exposure"] == "pushed"
    assert f["exposure_detail"]["published_by"] == "no-remotes"
    assert f["exposure_detail"]["remote_state"] == "untracked"
    assert f["remediation"][0]["text"].startswith("Revoke it first")
    assert any("no remote-tracking refs" in n for n in f["notes"])


def test_repository_with_no_remote_at_all_is_local(repo: Repo) -> None:
    """No remote configured: a local repository, from which nothing was pushed."""
    key = make_key()
    repo.write("a.env", env_line(key))
    repo.commit("add")
    f = finding_for(scan_json("--history", str(repo.path)), key)
    assert f["exposure"] == "local"
    assert f["exposure_detail"]["published_by"] is None
    assert f["exposure_detail"]["remote_state"] == "none"
    assert any("no remote configured (a local repository)" in n for n in f["notes"])
    texts = [s["text"] for s in f["remediation"]]
    assert not any(t.startswith("Revoke it first") for t in texts)
    assert texts[0].startswith("Do not push yet")


def test_note_only_key(repo: Repo, tmp_path: Path) -> None:
    repo.add_origin(tmp_path / "remote.git")
    repo.write("README.md", "hi\n")
    head = repo.commit("init")
    repo.git("push", "-q", "-u", "origin", "main")
    key = make_key()
    repo.git("notes", "add", "-m", f"deploy with {key}", "HEAD")
    f = finding_for(scan_json("--history", str(repo.path)), key)
    assert f["exposure"] == "local"
    assert f["exposure_detail"]["only_in"] == ["note"]
    assert f["remediation"][0]["command"] == \
        f"git notes --ref=refs/notes/commits remove {head}"


def test_stdin_claims_no_exposure() -> None:
    key = make_key()
    run = run_psguard("scan", "--stdin", "--format", "json", input=env_line(key))
    f = run.json()["findings"][0]
    assert f["exposure"] is None
    assert f["remediation"][0]["text"].startswith("psguard read this key from standard input")
    text = run_psguard("scan", "--stdin", input=env_line(key)).stdout
    assert "exposure: unknown (standard input)" in text


def test_text_report_lists_exposure_first_commit_and_steps(world: World) -> None:
    run = run_psguard("scan", str(world.repo.path))
    assert run.code == 1
    out = run.stdout
    assert world.keys["pushed"] not in out
    pushed_at = out.index(f"…{world.keys['pushed'][-4:]}")
    staged_at = out.index(f"…{world.keys['staged'][-4:]}")
    assert pushed_at < staged_at  # the most exposed key first
    assert "exposure: pushed" in out and "exposure: staged" in out
    assert f"first seen: {world.pushed_commit[:12]} by Ada Author" in out
    assert "$ git restore --staged staged.env" in out
    assert "1. Revoke it first" in out


def test_new_user_pushed_live_key_and_staged_key_with_real_verification(
        tmp_path: Path, git_home: Path) -> None:
    """The README scenario: one pushed key that works, one staged key that does not."""
    from psguard.testing.poolside_fake import FakePoolside

    repo = init_repo(tmp_path / "app", git_home)
    repo.add_origin(tmp_path / "remote.git")
    live, dead = make_key(), make_key()
    repo.write("settings.py", f'import os\n\nPOOLSIDE_API_KEY = "{live}"\n')
    pushed = repo.commit("Add settings")
    repo.git("push", "-q", "-u", "origin", "main")
    repo.write("deploy/.env.production", env_line(dead))
    repo.git("add", "deploy/.env.production")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
           "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"), "PSGUARD_ENDPOINTS": ""}
    with FakePoolside() as api:
        api.know(live)
        run = run_psguard("scan", "--verify", "--endpoint", api.url, cwd=repo.path, env=env)
        data = run_psguard("scan", "--verify", "--endpoint", api.url, "--format", "json",
                           cwd=repo.path, env=env).json()
    assert run.code == 1
    out = run.stdout
    assert live not in out and dead not in out
    by_tail = {f["secret"]["redacted"][-4:]: f for f in data["findings"]}
    assert by_tail[live[-4:]]["verification"]["status"] == "live"
    assert by_tail[live[-4:]]["exposure"] == "pushed"
    assert by_tail[dead[-4:]]["verification"]["status"] == "rejected"
    assert by_tail[dead[-4:]]["exposure"] == "staged"
    assert data["findings"][0]["secret"]["redacted"].endswith(live[-4:])  # live first
    assert out.index(f"…{live[-4:]}") < out.index(f"…{dead[-4:]}")
    assert f"first seen: {pushed[:12]} by Ada Author" in out
    assert "1. Revoke it first: this key has been pushed (reachable from origin/main) and " \
           "it works" in out
    assert "$ git restore --staged deploy/.env.production" in out
    assert "rejected this key: it is revoked or was never valid" in out
    report = os.environ.get("PSGUARD_SAVE_NEW_USER_REPORT")
    if report:  # used once to paste real output into the README
        Path(report).write_text(out, encoding="utf-8")


def test_bare_mirror_counts_as_pushed_and_unborn_repo_as_working_tree(
        world: World, tmp_path: Path, git_home: Path) -> None:
    mirror = tmp_path / "mirror.git"
    world.repo.git("clone", "-q", "--mirror", str(world.remote.path), str(mirror))
    f = finding_for(scan_json("--history", str(mirror)), world.keys["pushed"])
    assert f["exposure"] == "pushed"
    assert f["exposure_detail"]["published_by"] == "no-remotes"

    fresh = init_repo(tmp_path / "unborn", git_home)
    key = make_key()
    fresh.write("a.env", env_line(key))
    f = finding_for(scan_json(str(fresh.path)), key)
    assert f["exposure"] == "working-tree" and f["first_seen"] is None
    fresh.git("add", "a.env")
    assert finding_for(scan_json(str(fresh.path)), key)["exposure"] == "staged"
    assert finding_for(scan_json("--staged", str(fresh.path)), key)["exposure"] == "staged"


def test_key_in_working_file_and_in_a_stash(repo: Repo) -> None:
    repo.write("README.md", "hi\n")
    repo.write("app.env", "# empty\n")
    repo.commit("init")
    key = make_key()
    repo.write("app.env", env_line(key))
    repo.git("stash", "-q")
    repo.write("app.env", env_line(key) + "MORE=1\n")  # the same key, back in the file
    f = finding_for(scan_json(str(repo.path)), key)
    assert f["exposure"] == "local"  # the stash is a commit, even if never pushed
    assert f["exposure_detail"]["only_in"] is None
    assert f["exposure_detail"]["stashes"] == ["stash@{0}"]
    texts = [s["text"] for s in f["remediation"]]
    assert texts[0].startswith("Drop the stash")
    assert texts[1].startswith("Take the key out of app.env")
    assert not any(t.startswith("Do not push yet") for t in texts)


def test_older_stash_entry_is_found_for_a_working_file(repo: Repo) -> None:
    repo.write("app.env", "# empty\n")
    repo.commit("init")
    key = make_key()
    repo.write("app.env", env_line(key))
    repo.git("stash", "-q")  # becomes stash@{1} after the next stash
    repo.write("other.txt", "x\n")
    repo.git("add", "other.txt")
    repo.git("stash", "-q")
    repo.write("app.env", env_line(key))
    f = finding_for(scan_json(str(repo.path)), key)
    assert f["exposure"] == "local"
    assert f["exposure_detail"]["stashes"] == ["stash@{1}"]
    assert f["remediation"][0]["command"] == "git stash drop 'stash@{1}'"


def test_first_seen_is_the_earliest_commit_across_time_zones(repo: Repo) -> None:
    key = make_key()
    repo.write("a.env", env_line(key))
    repo.git("add", "a.env")
    repo.git("commit", "-q", "-m", "first", "--date", "2026-01-01T10:00:00+05:00")  # 05:00Z
    first = repo.git("rev-parse", "HEAD")
    repo.write("a.env", env_line(key) + "X=1\n")
    repo.git("add", "a.env")
    repo.git("commit", "-q", "-m", "second", "--date", "2026-01-01T06:00:00-02:00")  # 08:00Z
    f = finding_for(scan_json(str(repo.path)), key)
    assert f["first_seen"]["commit"] == first


def test_key_only_in_an_unreachable_object_is_purged(repo: Repo) -> None:
    repo.write("README.md", "hi\n")
    repo.commit("init")
    key = make_key()
    repo.write("tmp.env", env_line(key))
    repo.git("add", "tmp.env")  # the blob is written to .git now...
    repo.git("rm", "-q", "--cached", "tmp.env")  # ...and stays when unstaged
    (repo.path / "tmp.env").unlink()
    f = finding_for(scan_json("--history", str(repo.path)), key)
    assert f["exposure"] == "local"
    assert f["exposure_detail"]["only_in"] == ["unreachable"]
    first = f["remediation"][0]
    assert first["text"].startswith("No branch, tag or stash holds the key any more")
    shell(first["command"], repo)
    assert run_psguard("scan", "--history", str(repo.path)).code == 0


def test_key_amended_away_lives_only_in_the_reflog(repo: Repo) -> None:
    repo.write("README.md", "hi\n")
    repo.commit("init")
    key = make_key()
    repo.write("app.env", env_line(key))
    repo.commit("add app.env")
    repo.write("app.env", "POOLSIDE_API_KEY=${POOLSIDE_API_KEY}\n")
    repo.git("commit", "-q", "-a", "--amend", "--no-edit")
    f = finding_for(scan_json("--history", str(repo.path)), key)
    assert f["exposure"] == "local"
    assert f["exposure_detail"]["only_in"] == ["reflog"]
    first = f["remediation"][0]
    assert first["command"] == \
        "git reflog expire --expire-unreachable=now --all && git gc --prune=now"
    shell(first["command"], repo)
    assert run_psguard("scan", "--history", str(repo.path)).code == 0


def test_pushed_key_also_in_unpushed_commits_gets_both_steps(repo: Repo, tmp_path: Path) -> None:
    repo.add_origin(tmp_path / "remote.git")
    key = make_key()
    repo.write("a.env", env_line(key))
    repo.commit("pushed")
    repo.git("push", "-q", "-u", "origin", "main")
    repo.write("b.env", env_line(key))
    local = repo.commit("local copy")
    f = finding_for(scan_json("--history", str(repo.path)), key)
    assert f["exposure"] == "pushed"
    assert f["exposure_detail"]["local_commits"] == [local]
    steps_ = f["remediation"]
    assert steps_[0]["text"].startswith("Revoke it first")
    assert any(s["command"] == f"git rebase -i {local[:12]}^" for s in steps_)


def test_tags_and_notes_refs_named_for_every_key(repo: Repo, tmp_path: Path) -> None:
    # 35 keys, each on a commit only its own tag reaches (more than the 30 questions an
    # earlier version answered), and a key in a note under refs/notes/review while
    # another notes ref exists: each finding names exactly its own tag or notes ref.
    repo.add_origin(tmp_path / "remote.git")
    repo.write("README.md", "hello\n")
    repo.commit("init")
    repo.git("push", "-q", "-u", "origin", "main")
    tagged = {f"exp-{i:02d}": make_key() for i in range(35)}
    for tag, key in tagged.items():
        repo.git("checkout", "-q", "--detach", "main")
        repo.write("tagged.env", env_line(key))
        repo.commit(f"experiment {tag}")
        repo.git("tag", tag)
    repo.git("checkout", "-q", "main")
    in_note = make_key()
    repo.git("notes", "--ref=audit", "add", "-m", "checked", "HEAD")
    repo.git("notes", "--ref=review", "add", "-m", f"token {in_note}", "HEAD")

    report = scan_json("--history", str(repo.path))
    for tag, key in tagged.items():
        detail = finding_for(report, key)["exposure_detail"]
        assert detail["tags"] == [tag], tag
    assert finding_for(report, in_note)["exposure_detail"]["notes_refs"] == [
        "refs/notes/review"]
