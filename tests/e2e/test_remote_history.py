"""`psguard scan --history URL`: a remote repository mirror-cloned into the mirror cache,
fetched again on later runs, with credentials kept out of reports, errors and the cache.
Real servers on loopback: `git daemon`, smart HTTP with basic auth, and file://."""

from __future__ import annotations

import subprocess
from pathlib import Path

from psguard.testing import Repo, init_repo, make_key, run_psguard
from psguard.testing.gitserve import HttpGitServer, basic_auth, git_daemon


def _served(repo: Repo, root: Path, name: str = "app.git") -> Path:
    """repo's history pushed to a bare repository under root (what the server serves)."""
    bare = root / name
    if not bare.exists():
        init_repo(bare, repo.home, bare=True)
    repo.git("push", "-q", "--mirror", str(bare))
    return bare


def _mirrors(folder: Path) -> list[Path]:
    """The mirrors in a mirror directory (not the lock files beside them)."""
    return [p for p in folder.iterdir() if not p.name.startswith(".")]


def _files_text(folder: Path) -> str:
    """Every file name and every byte under folder, as text (to look for a secret)."""
    out = []
    for p in folder.rglob("*"):
        out.append(str(p))
        if p.is_file():
            out.append(p.read_bytes().decode("latin-1"))
    return "\n".join(out)


def test_git_daemon_mirror_then_incremental_fetch(repo: Repo, tmp_path: Path) -> None:
    first, second = make_key(), make_key()
    repo.write("settings.py", f'POOLSIDE_API_KEY = "{first}"\n')
    repo.commit("settings")
    served = tmp_path / "served"
    _served(repo, served)
    mirrors = tmp_path / "mirrors"
    with git_daemon(served) as base:
        url = f"{base}/app.git"
        run = run_psguard("scan", "--history", url, "--mirror-dir", str(mirrors),
                          "--format", "json", timeout=120)
        assert run.code == 1, run.stderr
        report = run.json()
        assert report["scan"]["target"] == url
        assert [f["secret"]["sha256"] for f in report["findings"]] == [
            report["findings"][0]["secret"]["sha256"]]
        assert report["findings"][0]["locations"][0]["path"] == "settings.py"
        [mirror] = _mirrors(mirrors)
        # a new commit on the server: the next run fetches it into the same mirror
        repo.write("deploy.sh", f"export POOLSIDE_API_KEY={second}\n")
        new = repo.commit("deploy")
        _served(repo, served)
        again = run_psguard("scan", "--history", url, "--mirror-dir", str(mirrors),
                            "--format", "json", timeout=120)
        assert again.code == 1, again.stderr
        assert {f["secret"]["redacted"][-4:] for f in again.json()["findings"]} == {
            first[-4:], second[-4:]}
        assert _mirrors(mirrors) == [mirror]
        assert new in subprocess.run(["git", "-C", str(mirror), "rev-parse", "main"],
                                     capture_output=True, text=True).stdout
        # a repository the server does not have: one line, exit 3, never clean
        missing = run_psguard("scan", "--history", f"{base}/missing.git", "--mirror-dir",
                              str(mirrors), timeout=120)
    assert missing.code == 3
    assert missing.stderr.startswith(f"psguard: error: cannot fetch {base}/missing.git: "
                                      "not found")
    assert len(missing.stderr.strip().splitlines()) == 1


def test_file_url(repo: Repo, tmp_path: Path) -> None:
    key = make_key()
    repo.write("a.env", f"POOLSIDE_API_KEY={key}\n")
    repo.commit("env")
    bare = _served(repo, tmp_path / "served")
    run = run_psguard("scan", "--history", bare.as_uri(), "--mirror-dir",
                      str(tmp_path / "m"), timeout=120)
    assert run.code == 1, run.stderr
    assert f"ps-…{key[-4:]}" in run.stdout and key not in run.stdout
    # psguard's own mirror is published by definition: no "a mirror?" note
    assert "no remote-tracking refs" not in run.stdout


def test_credentials_never_reach_report_error_or_cache(repo: Repo, tmp_path: Path) -> None:
    key = make_key()
    repo.write("conf.py", f'KEY = "{key}"\n')
    repo.commit("conf")
    served = tmp_path / "served"
    _served(repo, served)
    password = "hunter2-" + make_key()[3:15]
    mirrors = tmp_path / "mirrors"
    with HttpGitServer(served, auth=basic_auth("alice", password)) as server:
        host = server.url.removeprefix("http://")
        url = f"http://alice:{password}@{host}/app.git"
        runs = [run_psguard("scan", "--history", url, "--mirror-dir", str(mirrors),
                            "--format", fmt, timeout=120) for fmt in ("json", "text")]
        wrong = run_psguard("scan", "--history", f"http://alice:nope{password}@{host}/app.git",
                            "--mirror-dir", str(tmp_path / "other"), timeout=120)
    assert [r.code for r in runs] == [1, 1], runs[0].stderr
    assert runs[0].json()["scan"]["target"] == f"http://{host}/app.git"
    for r in [*runs, wrong]:
        assert password not in r.stdout + r.stderr
    assert password not in _files_text(mirrors)
    assert wrong.code == 3 and ": authentication" in wrong.stderr


def test_a_url_without_history_is_a_usage_error(tmp_path: Path) -> None:
    run = run_psguard("scan", "https://user:pw123456@example.invalid/x.git")
    assert run.code == 2
    assert "add --history" in run.stderr and "pw123456" not in run.stderr
