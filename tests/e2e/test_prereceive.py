"""The server-side gate for real: a bare repository with `psguard hook pre-receive`
installed by `psguard install --pre-receive`, and real `git push`es from a clone over
file:// and over git daemon on loopback. Each test asserts what the pusher and the
server's administrator can see: whether the server's refs moved, the `remote:` lines,
the bypass log; and that no raw key appears in any of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from psguard.testing import Repo, git_run, init_repo, output, run_psguard
from psguard.testing.gitserve import git_daemon
from psguard.testing.keys import make_key
from psguard.testing.poolside_fake import FakePoolside


@pytest.fixture(autouse=True)
def _absolute_pythonpath(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook runs in the server's git directory: a relative PYTHONPATH (the tests'
    own `PYTHONPATH=src`) would not find this checkout's psguard from there."""
    given = os.environ.get("PYTHONPATH")
    if given:
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
            os.path.abspath(p) for p in given.split(os.pathsep) if p))


class Server:
    """The bare repository pushes go to, with psguard's pre-receive hook installed."""

    def __init__(self, path: Path, home: Path) -> None:
        self.repo = init_repo(path, home, bare=True)
        self.path = path
        run = run_psguard("install", "--pre-receive", str(path))
        assert run.code == 0 and "installed pre-receive hook" in run.stdout, run.stderr
        self.url = path.as_uri()

    def ref(self, name: str) -> str | None:
        out = self.repo.git("rev-parse", "--verify", "--quiet", name, check=False)
        return out or None

    def config(self, key: str, value: str) -> None:
        self.repo.git("config", key, value)

    def log(self) -> list[dict[str, object]]:
        path = self.path / "psguard" / "bypass.log"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    def log_text(self) -> str:
        path = self.path / "psguard" / "bypass.log"
        return path.read_text() if path.exists() else ""


@pytest.fixture
def server(tmp_path: Path, repo: Repo) -> Server:
    srv = Server(tmp_path / "srv" / "shop.git", repo.home)
    repo.write("README.md", "shop\n")
    repo.commit("readme", "README.md")
    push = git_run(repo, "push", srv.url, "main")
    assert push.returncode == 0, output(push)  # a clean push goes in
    return srv


def push(repo: Repo, *args: str, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return git_run(repo, "push", *args, env=env)


def add_key_commit(repo: Repo, key: str, path: str = "settings.py") -> str:
    repo.write(path, f'POOLSIDE_API_KEY = "{key}"\n')
    return repo.commit(f"add {path}", path)


def assert_rejected(proc: subprocess.CompletedProcess[str], key: str) -> str:
    text = output(proc)
    assert proc.returncode != 0, text
    assert "pre-receive hook declined" in text, text
    assert "remote: psguard: push rejected" in text, text
    assert key not in text
    return text


# --- what a push brings -------------------------------------------------------------------

@pytest.fixture(params=["file", "git-daemon"])
def url(request: pytest.FixtureRequest, server: Server) -> Iterator[str]:
    if request.param == "file":
        yield server.url
        return
    with git_daemon(server.path.parent, push=True) as base:
        yield f"{base}/{server.path.name}"


def test_a_key_in_a_new_commit_is_rejected_and_the_ref_stays(repo: Repo, server: Server,
                                                             url: str, key: str) -> None:
    before = server.ref("main")
    commit = add_key_commit(repo, key)
    text = assert_rejected(push(repo, url, "main"), key)
    assert server.ref("main") == before
    # which ref, commit, path and line; the key redacted; what to do; how to bypass
    assert f"remote:     refs/heads/main: settings.py:1:21 in commit {commit[:12]}" in text
    assert f'POOLSIDE_API_KEY = "ps-…{key[-4:]}"' in text
    assert "git add settings.py && git commit --amend --no-edit" in text
    assert "revoke" in text
    assert 'git push -o psguard.bypass="<reason>"' in text
    assert "receive.advertisePushOptions is off" in text
    # the same commit, fixed, goes in
    repo.write("settings.py", 'import os\nPOOLSIDE_API_KEY = os.environ["POOLSIDE_API_KEY"]\n')
    repo.git("commit", "-q", "--amend", "-a", "--no-edit")
    ok = push(repo, url, "main")
    assert ok.returncode == 0, output(ok)
    assert server.ref("main") == repo.git("rev-parse", "HEAD")


def test_a_key_on_a_new_branch_is_rejected(repo: Repo, server: Server, key: str) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("app.py", "print('ok')\n")
    repo.commit("app", "app.py")
    add_key_commit(repo, key, "conf/dev.env")
    text = assert_rejected(push(repo, server.url, "feature"), key)
    assert server.ref("refs/heads/feature") is None
    assert "refs/heads/feature: conf/dev.env:1:21" in text
    assert "key is only in your last commit" in text


def test_a_key_only_in_a_merge_resolution_is_rejected(repo: Repo, server: Server,
                                                      key: str) -> None:
    repo.git("checkout", "-q", "-b", "side")
    repo.write("side.txt", "side\n")
    repo.commit("side", "side.txt")
    repo.git("checkout", "-q", "main")
    repo.write("main.txt", "main\n")
    repo.commit("main work", "main.txt")
    repo.git("merge", "-q", "--no-ff", "--no-commit", "side")
    repo.write("deploy.sh", f"export POOLSIDE_API_KEY={key}\n")  # only in the merge
    merge = repo.commit("merge side")
    assert len(repo.git("rev-list", "--parents", "-n1", merge).split()) == 3
    text = assert_rejected(push(repo, server.url, "main"), key)
    assert f"deploy.sh:1:25 in commit {merge[:12]}" in text
    assert server.ref("main") != merge


def test_a_key_in_an_annotated_tag_message_is_rejected(repo: Repo, server: Server,
                                                       key: str) -> None:
    head = repo.git("rev-parse", "HEAD")  # already on the server: only the tag is new
    repo.git("tag", "-a", "v1.0", "-m", f"release\n\ntoken for the demo: {key}\n")
    text = assert_rejected(push(repo, server.url, "refs/tags/v1.0"), key)
    assert server.ref("refs/tags/v1.0") is None
    assert f"refs/tags/v1.0: tag-message {head[:12]} refs/tags/v1.0:3:" in text
    assert f"git tag -d v1.0 && git tag -a v1.0 {head[:12]}" in text


def test_a_key_in_a_commit_message_is_rejected(repo: Repo, server: Server, key: str) -> None:
    repo.git("commit", "-q", "--allow-empty", "-m", f"try the new key\n\nPOOLSIDE_API_KEY={key}")
    commit = repo.git("rev-parse", "HEAD")
    text = assert_rejected(push(repo, server.url, "main"), key)
    assert f"refs/heads/main: commit-message {commit[:12]}" in text
    assert "the message of your last commit" in text and "git commit --amend" in text
    assert server.ref("main") != commit


def test_several_refs_in_one_push_move_together_or_not_at_all(repo: Repo, server: Server,
                                                              key: str) -> None:
    before = server.ref("main")
    repo.write("docs.md", "clean\n")
    clean = repo.commit("docs", "docs.md")
    repo.git("checkout", "-q", "-b", "feature")
    add_key_commit(repo, key)
    repo.git("checkout", "-q", "main")
    repo.git("tag", "v2", clean)
    text = assert_rejected(push(repo, server.url, "main", "feature", "refs/tags/v2"), key)
    assert "refs/heads/feature: settings.py" in text
    assert "refs/heads/main: settings.py" not in text
    assert server.ref("main") == before  # the clean ref did not move either
    assert server.ref("refs/heads/feature") is None
    assert server.ref("refs/tags/v2") is None
    ok = push(repo, server.url, "main", "refs/tags/v2")  # without the bad ref: accepted
    assert ok.returncode == 0, output(ok)
    assert server.ref("main") == clean


def test_a_deletion_passes(repo: Repo, server: Server) -> None:
    repo.git("branch", "old")
    assert push(repo, server.url, "old").returncode == 0
    assert server.ref("refs/heads/old") is not None
    gone = push(repo, server.url, "--delete", "old")
    assert gone.returncode == 0, output(gone)
    assert server.ref("refs/heads/old") is None


def test_a_force_push_is_judged_by_its_new_commits(repo: Repo, server: Server,
                                                   key: str) -> None:
    repo.write("a.txt", "a\n")
    repo.commit("a", "a.txt")
    assert push(repo, server.url, "main").returncode == 0
    published = server.ref("main")
    repo.git("reset", "-q", "--hard", "HEAD~1")
    add_key_commit(repo, key)  # rewritten history with a key
    assert_rejected(push(repo, server.url, "--force", "main"), key)
    assert server.ref("main") == published
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.write("b.txt", "b\n")
    rewritten = repo.commit("b", "b.txt")  # rewritten history, clean
    ok = push(repo, server.url, "--force", "main")
    assert ok.returncode == 0, output(ok)
    assert server.ref("main") == rewritten


def test_a_branch_of_existing_commits_brings_nothing_to_scan(repo: Repo, server: Server,
                                                             key: str) -> None:
    """The server already holds a key (let in by an earlier bypass): a new branch or tag
    made of commits it has brings nothing new, so it goes in."""
    server.config("receive.advertisePushOptions", "true")
    add_key_commit(repo, key)
    bypass = push(repo, "-o", "psguard.bypass=revoked test key", server.url, "main")
    assert bypass.returncode == 0, output(bypass)
    old = push(repo, server.url, "main:refs/heads/old-main", "HEAD~1:refs/heads/older",
               "main:refs/tags/v0")
    assert old.returncode == 0, output(old)
    assert server.ref("refs/heads/old-main") == server.ref("main")
    assert server.ref("refs/tags/v0") == server.ref("main")
    assert len(server.log()) == 1  # only the bypass itself was logged


# --- bypass -------------------------------------------------------------------------------

def test_bypass_with_a_reason_is_accepted_and_logged(repo: Repo, server: Server, url: str,
                                                     key: str) -> None:
    server.config("receive.advertisePushOptions", "true")
    commit = add_key_commit(repo, key)
    bare = push(repo, "-o", "psguard.bypass", url, "main")  # no reason: refused
    text = assert_rejected(bare, key)
    assert "needs a reason" in text
    reason = "fixture key, revoked on 2026-12-01"
    ok = push(repo, "-o", f"psguard.bypass={reason}", url, "main",
              env={"GL_USERNAME": "ada"})
    text = output(ok)
    assert ok.returncode == 0, text
    assert "remote: psguard: bypass accepted" in text and key not in text
    assert server.ref("main") == commit
    [entry] = server.log()
    assert entry["event"] == "bypass" and entry["reason"] == reason
    # over file:// the hook inherits the pusher's environment; git daemon names nobody
    assert entry["pusher"] == ("ada" if url.startswith("file:") else "unknown")
    assert entry["ref"] == "refs/heads/main" and entry["commits"] == [commit]
    assert entry["redacted"] == f"ps-…{key[-4:]}"
    assert isinstance(entry["fingerprint"], str) and len(entry["fingerprint"]) == 20
    assert key not in server.log_text()


def test_bypass_needs_push_options_advertised(repo: Repo, server: Server, key: str) -> None:
    before = server.ref("main")
    add_key_commit(repo, key)
    refused = push(repo, "-o", "psguard.bypass=please", server.url, "main")
    assert refused.returncode != 0
    assert "does not support push options" in output(refused)  # git's own client check
    text = assert_rejected(push(repo, server.url, "main"), key)
    assert "receive.advertisePushOptions is off" in text
    assert "git config receive.advertisePushOptions true" in text
    assert server.ref("main") == before and server.log() == []


def test_a_bypass_is_refused_when_the_server_allows_none(repo: Repo, server: Server,
                                                         key: str) -> None:
    server.config("receive.advertisePushOptions", "true")
    server.config("psguard.allowBypass", "false")
    add_key_commit(repo, key)
    text = assert_rejected(push(repo, "-o", "psguard.bypass=urgent", server.url, "main"), key)
    assert "allows no bypass" in text and server.log() == []


# --- time budget --------------------------------------------------------------------------

def _large_push(repo: Repo) -> None:
    for i in range(40):
        for j in range(10):
            repo.write(f"data/{i}/{j}.txt", f"row {i} {j}\n" * 50)
        repo.commit(f"batch {i}", "data")


def test_an_exhausted_budget_rejects_the_push(repo: Repo, server: Server) -> None:
    server.config("psguard.budget", "1ms")
    before = server.ref("main")
    _large_push(repo)
    proc = push(repo, server.url, "main")
    text = output(proc)
    assert proc.returncode != 0, text
    assert "ran out of its 0.001 s time budget" in text
    assert "psguard.budget" in text
    assert server.ref("main") == before


def test_a_server_can_let_an_exhausted_budget_through_and_logs_it(repo: Repo, server: Server
                                                                  ) -> None:
    server.config("psguard.budget", "1ms")
    server.config("psguard.budgetExhausted", "accept")
    _large_push(repo)
    proc = push(repo, server.url, "main", env={"GITEA_PUSHER_NAME": "bob"})
    assert proc.returncode == 0, output(proc)
    assert "ran out of its 0.001 s time budget" in output(proc)
    assert server.ref("main") == repo.git("rev-parse", "HEAD")
    [entry] = server.log()
    assert entry["event"] == "budget" and entry["pusher"] == "bob"
    assert entry["refs"] == ["refs/heads/main"] and entry["fingerprint"] is None


# --- configuration comes from the server only ---------------------------------------------

def test_a_pushed_config_cannot_disable_the_gate(repo: Repo, server: Server, key: str) -> None:
    add_key_commit(repo, key, "fixtures/settings.py")
    found = run_psguard("scan", "--format", "json", str(repo.path / "fixtures"))
    [finding] = found.json()["findings"]
    repo.write(".psguard.toml", 'exclude = ["*"]\nmin_confidence = "high"\ndecode = false\n')
    repo.write("pyproject.toml", '[tool.psguard]\nexclude = ["fixtures/"]\n')
    repo.write(".psguardignore", f"{finding['id']}  # not a real key\n")
    repo.commit("silence psguard", ".psguard.toml", "pyproject.toml", ".psguardignore")
    text = assert_rejected(push(repo, server.url, "main"), key)
    assert "fixtures/settings.py:1:21" in text
    # the server's own config file is what counts
    server_config = server.path / "psguard.toml"
    server_config.write_text('exclude = ["fixtures/"]\n')
    server.config("psguard.config", str(server_config))
    ok = push(repo, server.url, "main")
    assert ok.returncode == 0, output(ok)


def test_an_unknown_server_setting_rejects_every_push(repo: Repo, server: Server) -> None:
    server.config("psguard.budegt", "10")  # a typo must never open the gate
    repo.write("clean.txt", "clean\n")
    repo.commit("clean", "clean.txt")
    proc = push(repo, server.url, "main")
    text = output(proc)
    assert proc.returncode != 0
    assert "psguard.budegt: unknown psguard setting" in text
    assert "tell the server's administrator" in text


def test_the_hook_reads_only_ref_update_lines(server: Server) -> None:
    run = run_psguard("hook", "pre-receive", cwd=server.path, input="main abc refs/heads/x\n")
    assert run.code == 2
    assert "pre-receive input line 1 is not `<old> <new> <ref>`" in run.stderr


def test_a_hook_script_can_name_its_own_settings_file(repo: Repo, server: Server,
                                                      tmp_path: Path) -> None:
    """The recipe for servers whose repository config is not the administrator's (GitLab
    server hooks, GitHub Enterprise Server): a script that passes --settings."""
    settings = tmp_path / "psguard-settings"
    hook = server.path / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\nexec {sys.executable} -m psguard hook pre-receive "
                    f"--settings {settings}\n")
    repo.write("clean.txt", "clean\n")
    repo.commit("clean", "clean.txt")
    missing = push(repo, server.url, "main")  # the file is not there: fail closed
    assert missing.returncode != 0 and "no such file" in output(missing)
    server.config("psguard.budget", "1ms")
    settings.write_text("[psguard]\n\tbudget = 0\n")  # the script's file wins: no budget
    ok = push(repo, server.url, "main")
    assert ok.returncode == 0, output(ok)
    settings.write_text("[psguard]\n\tbudget = 1ms\n")
    repo.write("more.txt", "more\n")
    repo.commit("more", "more.txt")
    slow = push(repo, server.url, "main")
    assert slow.returncode != 0 and "time budget" in output(slow)


def test_install_keeps_an_existing_pre_receive_hook_and_feeds_it_the_push(
        repo: Repo, tmp_path: Path, key: str) -> None:
    bare = init_repo(tmp_path / "chained.git", repo.home, bare=True)
    seen = tmp_path / "seen.txt"
    own = bare.path / "hooks" / "pre-receive"
    own.write_text(f"#!/bin/sh\ncat >> {seen}\n")
    own.chmod(0o755)
    run = run_psguard("install", "--pre-receive", str(bare.path))
    assert run.code == 0 and "runs first" in run.stdout, run.stdout + run.stderr
    repo.write("a.txt", "a\n")
    first = repo.commit("a", "a.txt")
    ok = push(repo, bare.path.as_uri(), "main")
    assert ok.returncode == 0, output(ok)
    assert seen.read_text().split() == ["0" * 40, first, "refs/heads/main"]
    add_key_commit(repo, key)
    assert_rejected(push(repo, bare.path.as_uri(), "main"), key)  # psguard ran too
    undo = run_psguard("install", "--pre-receive", "--uninstall", str(bare.path))
    assert undo.code == 0 and "restored" in undo.stdout
    assert own.read_text().startswith("#!/bin/sh\ncat")


def test_a_blob_too_large_to_read_rejects_the_push(repo: Repo, server: Server) -> None:
    """The gate fails closed: what it did not read, it cannot call clean."""
    server_config = server.path / "psguard.toml"
    server_config.write_text('max_file_size = "1KB"\n')
    server.config("psguard.config", str(server_config))
    server.config("receive.advertisePushOptions", "true")
    before = server.ref("main")
    repo.write("big.txt", "x" * 4000 + "\n")
    big = repo.commit("big", "big.txt")
    proc = push(repo, server.url, "main")
    text = output(proc)
    assert proc.returncode != 0 and "could not read everything" in text, text
    assert "max_file_size" in text and server.ref("main") == before
    ok = push(repo, "-o", "psguard.bypass=generated data, no keys", server.url, "main")
    assert ok.returncode == 0, output(ok)
    assert server.ref("main") == big
    [entry] = server.log()
    assert entry["event"] == "incomplete" and entry["reason"] == "generated data, no keys"


def _psguard_git_calls(trace: Path) -> list[str]:
    """The git subcommands psguard started during a push, from git's trace2 event log
    (GIT_TRACE2_EVENT): each process's `start` event holds its full argv, and only
    psguard's calls carry its safety options (git puts its own exec path first on a
    hook's PATH, so a logging `git` on PATH would never see them)."""
    calls = []
    for line in trace.read_text(errors="replace").splitlines():
        event = json.loads(line)
        argv = event.get("argv", [])
        if event.get("event") != "start" or "core.fsmonitor=false" not in argv:
            continue
        i = 1
        while i < len(argv) and argv[i] in ("-c", "-C"):
            i += 2
        calls.append(argv[i] if i < len(argv) else "")
    return calls


def test_what_a_push_costs_in_git_processes(repo: Repo, server: Server, tmp_path: Path,
                                            key: str) -> None:
    """A branch of existing commits reads nothing: the snapshot, the settings and the
    two listings that find nothing new. A rejected key adds a reader, the locating
    walk, its headers and the root-commit question."""
    trace = tmp_path / "trace2.json"
    env = {"GIT_TRACE2_EVENT": str(trace)}
    copy = push(repo, server.url, "main:refs/heads/copy", env=env)
    assert copy.returncode == 0, output(copy)
    assert sorted(_psguard_git_calls(trace)) == ["config", "rev-list", "rev-list",
                                                 "rev-parse"]
    trace.unlink()
    add_key_commit(repo, key)
    assert_rejected(push(repo, server.url, "main", env=env), key)
    assert len(_psguard_git_calls(trace)) <= 8, _psguard_git_calls(trace)


def test_verification_is_the_servers_choice(repo: Repo, server: Server, tmp_path: Path
                                            ) -> None:
    """Off by default; on with the server's psguard.verify and psguard.endpoint; a dead
    key then passes `psguard.failOn = live,unknown` and a live one is rejected. An
    endpoint named inside the push is never contacted."""
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
           "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"), "PSGUARD_ENDPOINTS": ""}
    dead, live = make_key(), make_key()
    with FakePoolside() as api, FakePoolside() as elsewhere:
        api.know(live)
        server.config("psguard.verify", "true")
        server.config("psguard.endpoint", api.url)
        server.config("psguard.failOn", "live,unknown")
        repo.write(".psguard.toml", f'endpoints = ["{elsewhere.url}"]\nverify = true\n')
        repo.commit("point verification elsewhere", ".psguard.toml")
        add_key_commit(repo, dead)
        ok = push(repo, server.url, "main", env=env)
        assert ok.returncode == 0, output(ok)
        assert api.count(dead) == 1
        add_key_commit(repo, live, "live.py")
        text = assert_rejected(push(repo, server.url, "main", env=env), live)
        assert f"ps-…{live[-4:]}  (high confidence, live)" in text
        assert elsewhere.count() == 0
