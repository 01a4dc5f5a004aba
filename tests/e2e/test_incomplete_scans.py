"""Nothing skipped is "complete" (issue 19, row 3).

A file above max_file_size, an archive past a decode limit (depth, members, expansion)
and an encrypted zip member leave bytes unread: the scan says so (exit 3 when nothing
blocks, `scan.complete: false` with a problem naming the file and the limit, SARIF
`executionSuccessful: false`), and the hooks and `psguard ci` block on it unless the
user allowed it. What can be read cheaply is read: the first and last megabyte of an
oversized file, the members before a limit.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from psguard.testing import Repo, git_run, make_key, output, run_psguard
from psguard.testing.corpus import zip_bytes

MB = 1024 * 1024
LINE = b"2026-12-07T19:00:00Z INFO request served in 12 ms from the cache\n"


def padding(size: int) -> bytes:
    return LINE * (size // len(LINE)) + b"." * (size % len(LINE))


def env_line(key: str) -> bytes:
    return f"POOLSIDE_API_KEY={key}\n".encode()


def with_key_at(size: int, key: str, where: float) -> bytes:
    """About `size` bytes of log lines with the key's line at fraction `where`."""
    at = int(size * where)
    return padding(at) + env_line(key) + padding(size - at)


def json_scan(*args: str, cwd: Path | None = None) -> tuple[int, dict]:
    run = run_psguard("scan", *args, "--format", "json", cwd=cwd)
    assert run.code in (0, 1, 3), run.stderr
    return run.code, run.json()


# --- oversized files: the first and last megabyte -------------------------------------------


def test_a_key_in_the_last_megabyte_of_an_oversized_file_is_found(tmp_path: Path) -> None:
    last, middle = make_key(), make_key()
    data = padding(26 * MB) + env_line(middle) + padding(26 * MB) + env_line(last)
    (tmp_path / "server.log").write_bytes(data)
    code, report = json_scan(str(tmp_path))
    assert code == 1
    [finding] = report["findings"]
    assert finding["secret"]["redacted"].endswith(last[-4:])  # the middle one is not read
    [place] = finding["locations"]
    # its byte offset in the whole file; the lines before the last megabyte were not counted
    assert place["offset"] == len(data) - len(env_line(last)) + len("POOLSIDE_API_KEY=")
    assert place["line"] is None
    assert report["scan"]["complete"] is False
    assert report["scan"]["problems"] == [{
        "kind": "too-large", "target": "server.log",
        "detail": f"{len(data)} bytes is above max_file_size ({50 * MB}); only its first "
                  "and last 1 MB were scanned"}]
    text = run_psguard("scan", str(tmp_path))
    assert text.code == 1
    assert f"server.log (byte {place['offset']})" in text.stdout  # text, not "binary"
    assert "the scan is incomplete" in text.stdout


def test_an_oversized_file_with_nothing_found_is_an_incomplete_scan(repo: Repo) -> None:
    hidden = make_key()
    repo.write("dump.sql", with_key_at(51 * MB, hidden, 0.5))
    repo.commit("dump")
    for args in ([], ["--history"], ["--range", "HEAD^!"]):
        code, report = json_scan(*args, str(repo.path))
        assert code == 3, args
        assert report["findings"] == [] and report["scan"]["complete"] is False
        [problem] = report["scan"]["problems"]
        assert problem["kind"] == "too-large"
        blob = repo.git("rev-parse", "HEAD:dump.sql")
        commit = repo.git("rev-parse", "HEAD")
        assert problem["target"] in (  # git scans name the file, the commit and the blob
            "dump.sql", f"dump.sql in commit {commit[:12]} (blob {blob[:12]})")
        assert "only its first and last 1 MB were scanned" in problem["detail"]
    run = run_psguard("scan", "--format", "sarif", str(repo.path))
    assert run.code == 3
    assert run.json()["runs"][0]["invocations"][0]["executionSuccessful"] is False


# --- archives past a decode limit ------------------------------------------------------------


def _nested(levels: int = 6) -> bytes:
    data = zip_bytes({"notes.txt": b"nothing here\n"})
    for level in range(levels):
        data = zip_bytes({f"level{level}.zip": data})
    return data


def _many_members() -> bytes:
    return zip_bytes({f"m{i}.txt": b"x\n" for i in range(2100)})


def _bomb() -> bytes:
    return zip_bytes({"zeros.bin": b"\0" * (70 * MB), "after.txt": b"fine\n"})


def _encrypted() -> bytes:
    """A zip whose member is marked encrypted (general purpose flag bit 0), as `zip -e`
    writes it; its compressed bytes are opaque to a scanner without the password."""
    data = bytearray(zip_bytes({"secret.env": b"deflated content " * 50,
                                "README.txt": b"read me\n"}))
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    data[local + 6] |= 1
    data[central + 8] |= 1
    return bytes(data)


LIMITS = {
    "depth": (_nested, "nested encodings deeper than 4 levels"),
    "members": (_many_members, "more than 2000 archive members"),
    "expansion": (_bomb, "zeros.bin expands beyond the decode budget"),
    "encrypted": (_encrypted, "zip member secret.env is encrypted"),
}


@pytest.mark.parametrize("limit", sorted(LIMITS))
def test_an_archive_past_a_decode_limit_makes_the_scan_incomplete(
        repo: Repo, limit: str) -> None:
    make, says = LIMITS[limit]
    repo.write("bundle.zip", make())
    repo.commit("bundle")
    # --history twice: the second run reads the blob cache, which must not call the
    # archive clean
    for args in ([], ["--staged"], ["--history"], ["--history"]):
        if args == ["--staged"]:
            repo.git("rm", "-q", "--cached", "bundle.zip")
            repo.git("commit", "-q", "-m", "untrack")
            repo.git("add", "bundle.zip")
        code, report = json_scan(*args, str(repo.path))
        assert code == 3, (args, report["scan"]["problems"])
        assert report["scan"]["complete"] is False
        problems = [p for p in report["scan"]["problems"] if says in p["detail"]]
        assert problems and problems[0]["kind"] == "not-scanned"
        assert problems[0]["target"].startswith("bundle.zip")
    run = run_psguard("scan", "--format", "sarif", str(repo.path))
    assert run.code == 3
    assert run.json()["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_past_a_limit_what_was_read_is_still_scanned(tmp_path: Path) -> None:
    in_name, after_bomb, in_first_mb = make_key(), make_key(), make_key()
    # an encrypted member named after a key: names are stored in the clear
    enc = bytearray(zip_bytes({f"{in_name}.env": b"opaque " * 40}))
    enc[enc.find(b"PK\x03\x04") + 6] |= 1
    enc[enc.find(b"PK\x01\x02") + 8] |= 1
    (tmp_path / "enc.zip").write_bytes(bytes(enc))
    # a member too large for the budget does not use it up: the next one is read
    (tmp_path / "bomb.zip").write_bytes(zip_bytes({
        "zeros.bin": env_line(in_first_mb) + b"\0" * (70 * MB),
        "config/.env": env_line(after_bomb)}))
    code, report = json_scan(str(tmp_path))
    assert code == 1 and report["scan"]["complete"] is False
    found = {f["secret"]["redacted"][-4:] for f in report["findings"]}
    assert found == {in_name[-4:], after_bomb[-4:], in_first_mb[-4:]}
    details = " | ".join(p["detail"] for p in report["scan"]["problems"])
    assert "only its first 1048576 bytes were scanned" in details
    assert in_name not in details  # a member's name is redacted like any key


def test_a_truncated_tar_is_scanned_as_far_as_it_goes(tmp_path: Path) -> None:
    key = make_key()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        content = env_line(key) + padding(20_000)
        info = tarfile.TarInfo("conf/app.env")
        info.size = len(content)
        tf.addfile(info, io.BytesIO(content))
    (tmp_path / "backup.tar").write_bytes(buf.getvalue()[:6000])  # cut in the member
    run = run_psguard("scan", str(tmp_path), "--format", "json")
    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stderr
    report = run.json()
    [finding] = report["findings"]
    assert finding["locations"][0]["decoded_from"] == "tar:conf/app.env"
    [problem] = report["scan"]["problems"]
    assert problem["kind"] == "warning" and "cut short" in problem["detail"]
    assert report["scan"]["complete"] is True  # every byte there was, was scanned


# --- the hooks and psguard ci block on an incomplete scan -------------------------------------


def _fw_config(framework: dict[str, str], args: str | None = None) -> str:
    extra = f"        args: {args}\n" if args else ""
    return ("default_install_hook_types: [pre-commit, pre-push, commit-msg]\nrepos:\n"
            f"  - repo: {framework['repo']}\n    rev: {framework['rev']}\n    hooks:\n"
            f"      - id: psguard\n{extra}      - id: psguard-push\n")


def test_framework_blocks_a_staged_60mb_file_with_a_key_it_could_not_read(
        fw_repo: Repo, framework: dict[str, str]) -> None:
    key = make_key()
    fw_repo.write("data/export.csv", with_key_at(60 * MB, key, 0.5))
    fw_repo.git("add", "data/export.csv")
    proc = subprocess.run(["git", "commit", "-m", "add export"], cwd=fw_repo.path,
                          env=fw_repo.env, text=True, capture_output=True, timeout=900)
    out = output(proc)
    assert proc.returncode != 0, out
    assert "commit blocked: the scan could not read everything" in out
    assert "data/export.csv" in out and "only its first and last 1 MB" in out
    assert "--allow-incomplete" in out and key not in out
    assert fw_repo.git("log", "--format=%s", "-1") == "add pre-commit config"
    # the user's own opt-out, in the hook's args: a warning, and the commit goes in
    fw_repo.write(".pre-commit-config.yaml", _fw_config(framework, "[--allow-incomplete]"))
    fw_repo.git("add", ".pre-commit-config.yaml")
    proc = subprocess.run(["git", "commit", "-m", "add export"], cwd=fw_repo.path,
                          env=fw_repo.env, text=True, capture_output=True, timeout=900)
    assert proc.returncode == 0, output(proc)  # the framework hides a passing hook's words
    assert fw_repo.git("log", "--format=%s", "-1") == "add export"


def test_framework_still_blocks_a_key_found_in_the_last_megabyte(fw_repo: Repo,
                                                                  framework: dict[str, str]
                                                                  ) -> None:
    fw_repo.write(".pre-commit-config.yaml", _fw_config(framework, "[--allow-incomplete]"))
    fw_repo.commit("allow incomplete scans", ".pre-commit-config.yaml")
    key = make_key()
    fw_repo.write("server.log", padding(60 * MB) + env_line(key))
    fw_repo.git("add", "server.log")
    proc = subprocess.run(["git", "commit", "-m", "add log"], cwd=fw_repo.path,
                          env=fw_repo.env, text=True, capture_output=True, timeout=900)
    out = output(proc)
    assert proc.returncode == 1, out
    assert "commit blocked: 1 Poolside API key" in out and key[-4:] in out and key not in out


def _native_install(repo: Repo) -> None:
    run = run_psguard("install", str(repo.path), env={"HOME": str(repo.home)})
    assert run.code == 0, run.stderr


def test_native_hooks_block_an_unreadable_change_until_the_user_allows_it(
        repo: Repo, tmp_path: Path) -> None:
    repo.write("README.md", "project\n")
    repo.commit("initial")
    repo.add_origin(tmp_path / "remote.git")
    assert git_run(repo, "push", "-q", "origin", "main").returncode == 0
    _native_install(repo)
    key = make_key()
    repo.write("data/export.csv", with_key_at(60 * MB, key, 0.5))
    repo.git("add", "data/export.csv")
    proc = git_run(repo, "commit", "-m", "add export")
    assert proc.returncode != 0, output(proc)
    assert "commit blocked: the scan could not read everything" in output(proc)
    assert repo.git("log", "--format=%s", "-1") == "initial"
    # a repository's config cannot allow it
    repo.write(".psguard.toml", "allow_incomplete = true\n")
    proc = git_run(repo, "commit", "-m", "add export")
    assert proc.returncode != 0, output(proc)
    assert "cannot be set in a repository's config" in output(proc)
    (repo.path / ".psguard.toml").unlink()
    # committed anyway, deliberately: the push is blocked the same way
    assert git_run(repo, "commit", "--no-verify", "-q", "-m", "add export").returncode == 0
    proc = git_run(repo, "push", "origin", "main")
    assert proc.returncode != 0 and "push blocked: the scan could not read everything" in \
        output(proc)
    assert "data/export.csv" in output(proc) or "blob " in output(proc)
    # the user's own config file allows it: both go ahead, with a warning
    config = repo.home / "xdg" / "psguard" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[hooks]\nallow_incomplete = true\n", encoding="utf-8")
    xdg = {"XDG_CONFIG_HOME": str(repo.home / "xdg")}
    proc = git_run(repo, "push", "origin", "main", env=xdg)
    assert proc.returncode == 0, output(proc)
    assert f"allowed by {config}" in output(proc)


def test_ci_fails_on_an_incomplete_scan_unless_allowed(repo: Repo) -> None:
    repo.write("README.md", "project\n")
    base = repo.commit("initial")
    repo.write("release/bundle.zip", _encrypted())
    repo.commit("bundle")
    run = run_psguard("ci", "--range", f"{base}..HEAD", "--no-fetch", cwd=repo.path)
    assert run.code == 3, run.stderr
    assert "not fully scanned" in run.stderr and "secret.env is encrypted" in run.stderr
    run = run_psguard("ci", "--range", f"{base}..HEAD", "--no-fetch", "--allow-incomplete",
                      cwd=repo.path)
    assert run.code == 0, run.stderr
    assert "incomplete, allowed by --allow-incomplete" in run.stderr


def test_python_api_reports_an_incomplete_scan(tmp_path: Path) -> None:
    (tmp_path / "bundle.zip").write_bytes(_encrypted())
    proc = subprocess.run([sys.executable, "-c", "import psguard,sys; "
                           "r = psguard.scan_path(sys.argv[1]); print(r.complete)",
                           str(tmp_path)], capture_output=True, text=True)
    assert proc.stdout.strip() == "False", proc.stderr

