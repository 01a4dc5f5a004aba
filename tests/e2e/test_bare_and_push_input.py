"""Two ways a gate could say "no keys" without having looked: `psguard scan` of a bare
repository (which has no work tree, only history) and the pre-push hook given input
that is not git's `<local ref> <local sha> <remote ref> <remote sha>` lines."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from psguard.testing import Repo, make_key, run_psguard


def _bare_clone_with_a_key(repo: Repo, tmp_path: Path) -> tuple[Path, str]:
    key = make_key()
    repo.write("README.md", "hello\n")
    repo.commit("readme", "README.md")
    repo.write("deploy/env.sh", f"export POOLSIDE_API_KEY={key}\n")
    repo.commit("deploy", "deploy/env.sh")
    repo.git("rm", "-q", "deploy/env.sh")
    repo.commit("remove the key again")  # only the history holds it now
    bare = tmp_path / "server.git"
    repo.git("clone", "-q", "--bare", str(repo.path), str(bare))
    return bare, key


def test_scanning_a_bare_repository_scans_its_history(repo: Repo, tmp_path: Path) -> None:
    bare, key = _bare_clone_with_a_key(repo, tmp_path)
    run = run_psguard("scan", "--format", "json", str(bare))
    assert run.code == 1, run.stderr
    report = run.json()
    assert report["scan"]["mode"] == "history"  # the report says what was read
    assert report["scan"]["complete"] is True and report["scan"]["stats"]["commits"] == 3
    [finding] = report["findings"]
    assert finding["secret"]["redacted"].endswith(key[-4:])
    assert [loc["path"] for loc in finding["locations"]] == ["deploy/env.sh"]
    assert finding["exposure"] == "pushed"  # a bare repository publishes what it holds
    notice = [line for line in run.stderr.splitlines() if "bare repository" in line]
    assert len(notice) == 1 and "history" in notice[0], run.stderr
    assert key not in run.stdout + run.stderr
    # the text report, from inside the bare repository, says the same
    run = run_psguard("scan", cwd=bare)
    assert run.code == 1 and "deploy/env.sh" in run.stdout and key not in run.stdout


def test_a_clean_bare_repository_is_clean_because_its_history_is(repo: Repo,
                                                                  tmp_path: Path) -> None:
    repo.write("README.md", "hello\n")
    repo.commit("readme", "README.md")
    bare = tmp_path / "clean.git"
    repo.git("clone", "-q", "--bare", str(repo.path), str(bare))
    run = run_psguard("scan", "--format", "json", str(bare))
    assert run.code == 0, run.stderr
    assert run.json()["scan"]["mode"] == "history"
    assert run.json()["scan"]["stats"]["commits"] == 1


# --- pre-push input -----------------------------------------------------------------------


def _push_repo(repo: Repo, tmp_path: Path) -> tuple[Repo, str]:
    repo.add_origin(tmp_path / "remote.git")
    repo.write("a.txt", "a\n")
    sha = repo.commit("a", "a.txt")
    repo.git("push", "-q", "origin", "main")
    return repo, sha


def _hook(repo: Repo, stdin: str | bytes):
    return run_psguard("hook", "pre-push", "origin", "unused-url", cwd=repo.path,
                       input=stdin, env={"HOME": str(repo.home)})


@pytest.mark.parametrize("line", [
    "garbage",
    "refs/heads/main {sha} refs/heads/main",  # three fields
    "refs/heads/main {sha} refs/heads/main {sha} extra",  # five
    "refs/heads/main {short} refs/heads/main {zero}",  # an abbreviated id
    "refs/heads/main {sha}0 refs/heads/main {zero}",  # one digit too many
    "refs/heads/main {nothex} refs/heads/main {zero}",
    "refs/heads/main --all refs/heads/main {zero}",  # an option where an id goes
    "refs/heads/main {sha} refs/heads/main -{zero39}",
])
def test_pre_push_refuses_lines_that_are_not_git_input(repo: Repo, tmp_path: Path,
                                                        line: str) -> None:
    repo, sha = _push_repo(repo, tmp_path)
    key = make_key()
    repo.write("b.txt", f"{key}\n")
    with_key = repo.commit("key", "b.txt")  # the commit a lenient hook would wave through
    good = f"refs/heads/main {with_key} refs/heads/main {sha}\n"
    bad = line.format(sha=sha, short=sha[:12], zero="0" * 40, zero39="0" * 39,
                      nothex="g" * 40)
    run = _hook(repo, bad + "\n" + (good if "garbage" in bad else ""))
    assert run.code == 2, run.stderr
    first = run.stderr.splitlines()[0]
    assert first.startswith("psguard: error: pre-push input line 1 ")
    assert repr(bad[:40])[1:-1][:30] in first  # a short excerpt, escaped
    assert "could not check" in run.stderr and "git push --no-verify" in run.stderr
    assert key not in run.stderr


def test_pre_push_input_excerpt_is_short_scrubbed_and_escaped(repo: Repo,
                                                               tmp_path: Path) -> None:
    repo, _ = _push_repo(repo, tmp_path)
    key = make_key()
    run = _hook(repo, f"\x1b[31m{key} is not a ref line and goes on and on and on\n")
    assert run.code == 2
    first = run.stderr.splitlines()[0]
    assert key[3:9] not in run.stderr and "\x1b" not in run.stderr  # no part of it
    assert f"ps-\\u2026{key[-4:]}" in first  # redacted as everywhere, then escaped
    assert "and on and on" not in first  # only a short excerpt
    run = _hook(repo, b"\xff\xfe binary \x00 garbage\n")
    assert run.code == 2 and "Traceback" not in run.stderr and "internal error" not in \
        run.stderr


def test_pre_push_empty_input_is_a_clean_no_op(repo: Repo, tmp_path: Path) -> None:
    repo, _ = _push_repo(repo, tmp_path)
    run = _hook(repo, "")
    assert run.code == 0 and run.stderr == ""


def _install(repo: Repo) -> None:
    run = run_psguard("install", "--hook", "pre-push", str(repo.path),
                      env={"HOME": str(repo.home)})
    assert run.code == 0, run.stderr


def _push(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "push", *args], cwd=repo.path, env=repo.env, text=True,
                          capture_output=True)


def test_real_pushes_through_the_installed_hook(repo: Repo, tmp_path: Path) -> None:
    repo, _ = _push_repo(repo, tmp_path)
    _install(repo)
    # nothing to push: git runs the hook with no input lines
    proc = _push(repo, "origin", "main")
    assert proc.returncode == 0, proc.stderr
    key = make_key()
    repo.write("b.txt", f"{key}\n")
    repo.commit("key", "b.txt")
    proc = _push(repo, "origin", "main")
    assert proc.returncode != 0 and "push blocked" in proc.stderr
    assert key not in proc.stderr


def test_real_push_of_a_sha256_repository(tmp_path: Path, git_home: Path) -> None:
    # 64-digit ids are git's input too: the check must not refuse them
    repo = Repo(tmp_path / "sha256", git_home)
    repo.path.mkdir()
    repo.git("init", "-q", "-b", "main", "--object-format=sha256")
    remote = tmp_path / "remote256.git"
    repo.git("init", "-q", "--bare", "--object-format=sha256", str(remote))
    repo.git("remote", "add", "origin", str(remote))
    repo.write("a.txt", "a\n")
    repo.commit("a", "a.txt")
    assert _push(repo, "-q", "origin", "main").returncode == 0
    _install(repo)
    assert _push(repo, "origin", "main").returncode == 0  # nothing new
    key = make_key()
    repo.write("b.txt", f"{key}\n")
    repo.commit("key", "b.txt")
    proc = _push(repo, "origin", "main")
    assert proc.returncode != 0 and "push blocked" in proc.stderr, proc.stderr
    assert "error" not in proc.stderr.split("push blocked")[0]
