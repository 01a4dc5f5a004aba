"""What users trip over at the command line (issue 20): every case runs the real CLI on
a real repository."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from psguard.testing import GIT_ENV, Repo, make_key, run_psguard


def _repo_with_key(repo: Repo) -> str:
    key = make_key()
    repo.write("app.env", f"POOLSIDE_API_KEY={key}\n")
    repo.commit("add app.env")
    return key


def test_output_file_still_says_the_summary_on_stderr(repo: Repo, tmp_path: Path) -> None:
    key = _repo_with_key(repo)
    report = tmp_path / "report.json"
    run = run_psguard("scan", "--history", "--format", "json", "--output", str(report),
                      str(repo.path))
    assert run.code == 1 and run.stdout == ""
    assert "psguard: 1 Poolside key in 1 place; scanned 1 blob, 1 commit" in run.stderr
    assert f"report written to {report}" in run.stderr
    assert key not in run.stderr and key not in report.read_text()
    assert report.read_text().startswith("{")


def test_dubious_ownership_is_said_with_the_fix_never_a_directory_walk(repo: Repo) -> None:
    key = _repo_with_key(repo)
    env = {"GIT_TEST_ASSUME_DIFFERENT_OWNER": "1"}  # git's own switch for this refusal
    for mode in ([], ["--history"], ["--staged"], ["--range", "HEAD~0..HEAD"]):
        run = run_psguard("scan", *mode, str(repo.path), env=env)
        assert run.code == 2, (mode, run.stdout, run.stderr)
        assert run.stdout == ""  # no report of a directory walk
        assert "detected dubious ownership" in run.stderr
        assert f"git config --global --add safe.directory {repo.path}" in run.stderr
        assert "not a git repository" not in run.stderr and key not in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a directory to another "
                    "user; the test above covers the refusal for everyone")
def test_repository_owned_by_another_user_is_refused_with_the_fix(repo: Repo) -> None:
    """The real thing: the repository belongs to `nobody` (run as root, as CI containers
    do); git refuses it, and so does psguard, with git's words and the fix."""
    _repo_with_key(repo)
    for root, dirs, files in os.walk(repo.path):
        for name in (*dirs, *files):
            os.lchown(os.path.join(root, name), 65534, 65534)
    os.lchown(repo.path, 65534, 65534)
    env = {"SUDO_UID": ""}  # git trusts SUDO_UID's owner when root runs it
    run = run_psguard("scan", "--history", str(repo.path), env=env)
    assert run.code == 2 and run.stdout == ""
    assert "detected dubious ownership" in run.stderr
    assert f"git config --global --add safe.directory {repo.path}" in run.stderr


def test_markdown_summary_counts_in_the_singular(repo: Repo) -> None:
    _repo_with_key(repo)
    run = run_psguard("scan", "--history", "--format", "markdown", str(repo.path))
    assert "history scan of 1 blob in 1 commit (" in run.stdout
    assert "1 Poolside API key in 1 place" in run.stdout


def test_range_without_dots_is_a_usage_error_with_a_hint(repo: Repo) -> None:
    _repo_with_key(repo)
    run = run_psguard("scan", "--range", "main", str(repo.path))
    assert run.code == 2 and run.stdout == ""
    assert "did you mean main..HEAD or --since main?" in run.stderr
    # the ranges it does take
    assert run_psguard("scan", "--range", "main^!", str(repo.path)).code == 1
    assert run_psguard("scan", "--since", "main", str(repo.path)).code == 0


def test_a_url_is_named_as_typed(tmp_path: Path) -> None:
    # nothing listens on port 9 of the loopback: the fetch fails at once, offline
    url = "https://127.0.0.1:9/example/project"
    run = run_psguard("scan", "--history", "--mirror-dir", str(tmp_path / "m"), url,
                      cwd=tmp_path)
    assert run.code == 3  # not read: incomplete, never clean
    assert f"cannot fetch {url}: network" in run.stderr
    assert "https:/127" not in run.stderr
    # credentials in a URL are not echoed, and without --history a URL is a usage error
    run = run_psguard("scan", "https://user:s3cret-token@127.0.0.1:9/r.git", cwd=tmp_path)
    assert run.code == 2 and "s3cret-token" not in run.stderr
    assert "add --history" in run.stderr


def test_unknown_flag_points_at_the_commands_help(tmp_path: Path) -> None:
    run = run_psguard("scan", "--exclude-dir", "x", cwd=tmp_path)
    assert run.code == 2
    assert "psguard scan: error: unrecognized arguments: --exclude-dir" in run.stderr
    assert "(see 'psguard scan --help')" in run.stderr


def test_warm_cache_summary_does_not_say_zero_bytes(repo: Repo) -> None:
    repo.write("README", "hello\n")
    repo.commit("one file")
    cold = run_psguard("scan", "--history", str(repo.path))
    warm = run_psguard("scan", "--history", str(repo.path))
    assert cold.code == warm.code == 0
    assert "scanned 1 blob, 1 commit (" in cold.stdout
    assert "(0 B)" not in warm.stdout
    assert "scanned 1 blob, 1 commit (2 objects known clean from the cache)" in warm.stdout


def _big_history(repo: Repo, blobs: int = 40) -> None:
    """Enough content (tens of MB, with many `ps-` lookalikes) that the history scan
    forks its workers and takes a while."""
    import random

    rnd = random.Random(7)
    words = ["ps-md-4", "ps-3", "ps-xl-auto", "ps-worker-blue", "ps-lg-2"]
    for i in range(blobs):
        lines = (f"<div class='{rnd.choice(words)} {rnd.choice(words)}'>{rnd.random()}</div>"
                 for _ in range(30_000))
        repo.write(f"pages/p{i}.html", "\n".join(lines))
    repo.commit("pages")


def test_plain_progress_lines_when_stderr_is_not_a_terminal(repo: Repo) -> None:
    _big_history(repo)
    run = run_psguard("scan", "--history", "--no-cache", str(repo.path),
                      env={"PSGUARD_PROGRESS_SECONDS": "0"})
    assert run.code == 0, run.stderr
    lines = [ln for ln in run.stderr.splitlines() if ln.startswith("psguard: scanning history")]
    assert lines, run.stderr
    assert lines[-1].startswith("psguard: scanning history: 41/41 objects (100%)")
    # the default interval: a short scan prints none
    quiet = run_psguard("scan", "--history", "--no-cache", str(repo.path))
    assert "scanning history" not in quiet.stderr


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            tree.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, out, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_sigterm_stops_the_workers_and_their_git_readers(repo: Repo, tmp_path: Path) -> None:
    _big_history(repo)
    env = {**os.environ, **GIT_ENV, "NO_COLOR": "1"}
    with open(tmp_path / "stderr", "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "psguard", "scan", "--history",
                                 "--no-cache", str(repo.path)], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        seen: list[int] = []
        while proc.poll() is None:
            seen = _descendants(proc.pid)
            readers = [p for p in seen if "cat-file --batch --buffer" in _cmdline(p)]
            if len(readers) >= 2:  # both workers are reading
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the scan ended before its workers were seen"
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=120)  # detects a hang only
    assert code == 143
    assert "psguard: terminated" in (tmp_path / "stderr").read_text()
    # by the time psguard has exited, nothing it started is still running
    left = [(p, _cmdline(p)[:80]) for p in seen if _running(p)]
    assert left == []


def test_a_closed_stderr_does_not_cut_the_scan_short(repo: Repo) -> None:
    """Progress lines to a pipe nobody reads any more (`2>&1 | head -1`): the scan goes
    on and still fails on the key (fail closed), instead of ending early with 0."""
    _big_history(repo)
    key = _repo_with_key(repo)
    env = {**os.environ, **GIT_ENV, "NO_COLOR": "1", "PSGUARD_PROGRESS_SECONDS": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "psguard", "scan", "--history",
                             "--no-cache", str(repo.path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stderr is not None and proc.stdout is not None
    proc.stderr.close()  # the reader goes away before the first progress line
    out = proc.stdout.read().decode()
    assert proc.wait(timeout=300) == 1, out
    assert "1 Poolside key in 1 place" in out and key not in out


def test_a_closed_stderr_does_not_turn_a_finding_into_exit_0(repo: Repo,
                                                             tmp_path: Path) -> None:
    """`--output FILE` says its summary on stderr; if nobody reads stderr any more, the
    run still exits 1 for the key."""
    _repo_with_key(repo)
    env = {**os.environ, **GIT_ENV, "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "psguard", "scan", "--history", "-o",
                             str(tmp_path / "r.txt"), str(repo.path)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    proc.stderr.close()
    assert proc.wait(timeout=300) == 1
    assert "1 Poolside key in 1 place" in (tmp_path / "r.txt").read_text()
