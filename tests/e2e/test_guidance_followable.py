"""Advice a person can follow (issue 20): each case is a real repository (or a plain
directory) scanned by the real CLI, and what the advice says about it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from psguard.testing import Repo, git_run, make_key, output, run_psguard


def _only_finding(run_json: dict[str, Any]) -> dict[str, Any]:
    [finding] = run_json["findings"]
    return finding


def test_outside_git_the_advice_names_no_git_command(tmp_path: Path) -> None:
    key = make_key()
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "settings.env").write_text(f"POOLSIDE_API_KEY={key}\n")
    run = run_psguard("scan", "--format", "json", str(folder))
    assert run.code == 1
    f = _only_finding(run.json())
    assert f["exposure"] == "working-tree"
    steps = f["remediation"]
    assert steps[0]["text"].startswith("Take the key out of settings.env")
    commands = [s["command"] for s in steps if s["command"]]
    assert commands == ["psguard scan"]
    assert not any("--staged" in s["text"] for s in steps)
    assert not any(".gitignore" in s["text"] for s in steps)


def test_untracked_file_is_not_said_to_have_a_committed_version(repo: Repo) -> None:
    key = make_key()
    repo.write("conf.env", f"KEY={key}\n")
    repo.commit("add conf.env")
    repo.git("rm", "-q", "--cached", "conf.env")  # no longer tracked; still on disk
    repo.git("commit", "-q", "-m", "stop tracking conf.env")  # (commit() would add it)
    run = run_psguard("scan", "--format", "json", str(repo.path))
    assert run.code == 1
    notes = _only_finding(run.json())["notes"]
    assert not any("committed version" in n for n in notes), notes
    assert any("conf.env is not tracked now, but an earlier commit of it held this key" in n
               for n in notes), notes


def test_dangling_blob_has_a_label_not_an_empty_path(repo: Repo) -> None:
    repo.write("README", "hello\n")
    repo.commit("first")
    key = make_key()
    blob = repo.git("hash-object", "-w", "--stdin", input=f"KEY={key}\n")
    run = run_psguard("scan", "--history", str(repo.path))
    assert run.code == 1
    place = next(line.strip() for line in run.stdout.splitlines()
                 if line.strip().startswith(("blob", ":")))
    assert place == f"blob {blob[:12]}:1:5 (in no commit: a dangling object)"


def test_pushed_key_steps_say_filter_repo_must_be_installed(repo: Repo, tmp_path: Path
                                                           ) -> None:
    key = make_key()
    remote = repo.add_origin(tmp_path / "remote.git")
    repo.write("a.env", f"KEY={key}\n")
    repo.commit("add")
    repo.git("push", "-q", "origin", "main")
    assert remote.git("rev-parse", "main")
    run = run_psguard("scan", "--history", "--format", "json", str(repo.path))
    steps = _only_finding(run.json())["remediation"]
    rewrite = next(s for s in steps if "--replace-text" in (s["command"] or ""))
    assert "python3 -m pip install git-filter-repo" in rewrite["text"]
    assert "git filter-repo --version && git filter-repo --replace-text" in rewrite["command"]


def test_local_repository_tag_advice_asks_no_remote(repo: Repo) -> None:
    key = make_key()
    repo.write("a.env", f"KEY={key}\n")
    repo.commit("add")
    repo.git("tag", "v1")
    repo.git("reset", "-q", "--hard", "HEAD~0")
    repo.git("checkout", "-q", "--orphan", "other")
    repo.git("rm", "-q", "-rf", ".")
    repo.commit("clean start")
    repo.git("branch", "-D", "main")
    run = run_psguard("scan", "--history", "--format", "json", str(repo.path))
    f = _only_finding(run.json())
    assert f["exposure"] == "local" and f["exposure_detail"]["tags"] == ["v1"]
    commands = [s["command"] or "" for s in f["remediation"]]
    assert not any("ls-remote" in c for c in commands)
    assert "git tag -d v1" in commands


def test_native_hook_does_not_name_the_frameworks_skip(repo: Repo) -> None:
    assert run_psguard("install", str(repo.path)).code == 0
    repo.write("a.env", f"KEY={make_key()}\n")
    repo.git("add", "a.env")
    proc = git_run(repo, "commit", "-m", "add a.env")
    assert proc.returncode == 1, output(proc)
    assert "git commit --no-verify" in output(proc)
    assert "SKIP=" not in output(proc)


def test_tag_check_compares_objects_not_names(repo: Repo, tmp_path: Path) -> None:
    """The remote has a tag of the same name without the key (re-created after a
    rewrite): the printed check stays silent; with the tag that holds the key, it
    prints a line."""
    remote = repo.add_origin(tmp_path / "remote.git")
    repo.write("README", "hi\n")
    repo.commit("first")
    repo.git("tag", "v1")
    repo.git("push", "-q", "origin", "main", "v1")  # the remote's v1: no key
    repo.git("tag", "-d", "v1")
    repo.git("checkout", "-q", "-b", "scratch")
    repo.write("a.env", f"KEY={make_key()}\n")
    repo.commit("experiment")
    repo.git("tag", "v1")  # the local v1 holds the key
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-q", "-D", "scratch")
    run = run_psguard("scan", "--history", "--format", "json", str(repo.path))
    f = _only_finding(run.json())
    assert f["exposure"] == "local" and f["exposure_detail"]["tags"] == ["v1"]
    check = next(s["command"] for s in f["remediation"] if "ls-remote" in (s["command"] or ""))

    def printed() -> str:  # the printed command, run as a user runs it
        return subprocess.run(["bash", "-c", check], cwd=repo.path, env=repo.env,
                              capture_output=True, text=True).stdout

    assert printed() == ""  # same name, another object: not the key
    repo.git("push", "-q", "--force", "origin", "v1")  # now the remote has this v1
    assert printed() != ""
    assert remote.git("rev-parse", "refs/tags/v1") == repo.git("rev-parse", "refs/tags/v1")
