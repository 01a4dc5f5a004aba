"""Hostile repositories: what a scanned repository can do to psguard, and must not.

Every case is a real repository built with the git binary and scanned by psguard as a
subprocess, the way an auditor runs it on a repository they do not trust.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from psguard.testing import Repo, Run, make_key, run_psguard

MODES: list[list[str]] = [[], ["--staged"], ["--history"], ["--range", "HEAD~1..HEAD"]]


def env_line(key: str) -> str:
    return f"POOLSIDE_API_KEY={key}\n"


def scan(*args: str, env: dict[str, str] | None = None) -> Run:
    return run_psguard("scan", "--format", "json", *args, env=env)


def found(run: Run) -> dict[str, set[str]]:
    """sha256 of each key -> the paths it was reported at."""
    out: dict[str, set[str]] = {}
    for f in run.json()["findings"]:
        out[f["secret"]["sha256"]] = {loc.get("path") or "" for loc in f["locations"]}
    return out


def sha(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()


# -- file names ----------------------------------------------------------------------------

ODD_NAMES: list[bytes] = [
    b"new\nline.env",
    b"quote\"d 'name'.env",
    b"-rf --output=x.env",
    b"--history",
    b"bad-\xff\xfe-utf8.env",
    b"tab\tand\\backslash.env",
]


def _expected(name: bytes) -> str:
    return name.decode("utf-8", errors="backslashreplace")


def test_odd_file_names_in_every_mode(repo: Repo) -> None:
    repo.write("base.txt", "base\n")
    repo.commit("base")
    keys = {name: make_key() for name in ODD_NAMES}
    for name, key in keys.items():
        with open(bytes(repo.path) + b"/" + name, "wb") as fh:
            fh.write(env_line(key).encode())
    repo.git("add", "-A")
    for mode in ([], ["--staged"]):
        run = scan(*mode, str(repo.path))
        assert run.code == 1, (mode, run.stderr)
        assert "Traceback" not in run.stderr
        got = found(run)
        for name, key in keys.items():
            assert got.get(sha(key)) == {_expected(name)}, (mode, name, got.get(sha(key)))
    repo.git("commit", "-q", "-m", "odd names")
    for mode in (["--history"], ["--range", "HEAD~1..HEAD"]):
        run = scan(*mode, str(repo.path))
        assert run.code == 1, (mode, run.stderr)
        got = found(run)
        for name, key in keys.items():
            assert got.get(sha(key)) == {_expected(name)}, (mode, name, got.get(sha(key)))
    # The text report names them on one line each (no raw newline splitting a path).
    run = run_psguard("scan", "--history", str(repo.path))
    assert run.code == 1
    assert "Traceback" not in run.stderr
    for key in keys.values():
        assert key not in run.stdout


def test_file_names_that_look_like_raw_diff_lines_are_not_objects(repo: Repo) -> None:
    """The history walk's output holds paths next to object ids: a path spelled like a
    raw diff line must not make psguard report an object that does not exist."""
    key = make_key()
    fake = "0123456789abcdef" * 2 + "01234567"
    zero = "0" * 40
    names = [f":100644 100644 {zero} {fake} A", f"\n:100644 100644 {zero} {fake} M",
             f"::100644 100644 100644 {zero} {zero} {fake} MM"]
    repo.write("base.txt", "base\n")
    repo.commit("base")
    for name in names:
        repo.write(name, env_line(key))
    repo.commit("odd names")
    run = scan("--history", str(repo.path))
    assert run.code == 1, run.stderr
    report = run.json()
    assert report["scan"]["complete"] is True, report["scan"]["problems"]
    assert found(run)[sha(key)] == set(names)


def test_committed_symlinks_to_outside_and_to_devices_are_never_followed(
        repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "outside.env"
    outside_key = make_key()
    outside.write_text(env_line(outside_key))
    repo.write("base.txt", "base\n")
    repo.commit("base")
    for name, target in (("out.env", str(outside)), ("zero", "/dev/zero"),
                         ("urandom", "/dev/urandom"), ("stdin", "/dev/stdin"),
                         ("up", "../../../../../../../../etc/passwd"),
                         ("fifo-link", str(tmp_path / "fifo"))):
        os.symlink(target, repo.path / name)
    os.mkfifo(tmp_path / "fifo")  # opening it would block forever
    inside_key = make_key()
    repo.write("in.env", env_line(inside_key))
    repo.git("add", "-A")
    for mode in ([], ["--staged"]):
        run = scan(*mode, str(repo.path))
        assert run.code == 1, (mode, run.stderr)
        got = found(run)
        assert set(got) == {sha(inside_key)}, mode
    repo.git("commit", "-q", "-m", "links")
    for mode in (["--history"], ["--range", "HEAD~1..HEAD"]):
        run = scan(*mode, str(repo.path))
        assert run.code == 1, (mode, run.stderr)
        assert set(found(run)) == {sha(inside_key)}, mode


# -- a repository that names programs --------------------------------------------------------

HOOKS = ["pre-commit", "post-commit", "pre-push", "post-checkout", "post-index-change",
         "reference-transaction", "pre-auto-gc", "fsmonitor-watchman", "commit-msg",
         "post-rewrite", "push-to-checkout", "post-merge"]


def _evil_script(tmp_path: Path) -> tuple[Path, Path]:
    markers = tmp_path / "markers"
    markers.mkdir()
    script = tmp_path / "evil.sh"
    # Writes a marker named after what ran it.
    # (It never reads its input: a filter process speaking no protocol must not hang git.)
    script.write_text(f'#!/bin/sh\ntouch "{markers}/$1-$$"\nexit 0\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, markers


def _sign(repo: Repo) -> None:
    """Give HEAD a (fake) PGP signature: `log.showSignature` would then run gpg.program."""
    raw = repo.git("cat-file", "commit", "HEAD") + "\n"
    head, _, message = raw.partition("\n\n")
    sig = ("gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n"
           " -----END PGP SIGNATURE-----")
    signed = head + "\n" + sig + "\n\n" + message
    oid = repo.git("hash-object", "-t", "commit", "-w", "--stdin", input=signed)
    repo.git("update-ref", "HEAD", oid)


def _make_hostile(repo: Repo, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A repository with keys in history, staged and in the work tree, whose config
    names a program for every hook git offers. Returns the marker directory."""
    script, markers = _evil_script(tmp_path)
    keys = {k: make_key() for k in ("history", "staged", "worktree", "message")}
    repo.write(".gitattributes", "* filter=evil diff=evil merge=evil\n")
    repo.write("old.env", env_line(keys["history"]))
    repo.commit("first")
    repo.write("cfg.env", env_line(keys["history"]) + "x=1\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", f"second\n\nPOOLSIDE_API_KEY={keys['message']}\n")
    _sign(repo)
    repo.write("staged.env", env_line(keys["staged"]))
    repo.git("add", "staged.env")
    repo.write("work.env", env_line(keys["worktree"]))
    # Change files after staging: a stat refresh would now run the clean filter.
    for name in ("cfg.env", "old.env", "staged.env"):
        path = repo.path / name
        path.write_text(path.read_text())
        os.utime(path, (1, 1))
    hooks = tmp_path / "evil-hooks"
    hooks.mkdir()
    for hook in HOOKS:
        (hooks / hook).write_text(f'#!/bin/sh\ntouch "{markers}/hook-{hook}-$$"\n')
        (hooks / hook).chmod(0o755)

    def run(name: str) -> str:
        """A program of its own for each trap: some settings are run through the shell,
        others (gpg.program, core.fsmonitor, core.askPass) as a bare path."""
        prog = tmp_path / "bin" / name
        prog.parent.mkdir(exist_ok=True)
        prog.write_text(f'#!/bin/sh\nexec "{script}" {name}\n')
        prog.chmod(0o755)
        return str(prog)

    settings = {
        "core.fsmonitor": run("fsmonitor"),
        "core.fsmonitorHookVersion": "2",
        "core.pager": run("pager"),
        "pager.log": run("pager-log"),
        "pager.diff": run("pager-diff"),
        "pager.show": run("pager-show"),
        "diff.external": run("diff-external"),
        "diff.evil.command": run("diff-driver"),
        "diff.evil.textconv": run("textconv"),
        "merge.evil.driver": run("merge-driver"),
        "filter.evil.clean": run("clean"),
        "filter.evil.smudge": run("smudge"),
        "filter.evil.process": run("process"),
        "filter.evil.required": "true",
        "core.hooksPath": str(hooks),
        "core.sshCommand": run("ssh"),
        "core.askPass": run("askpass"),
        "core.editor": run("editor"),
        "sequence.editor": run("sequence-editor"),
        "credential.helper": "!" + run("credential"),
        "gpg.program": run("gpg"),
        "gpg.ssh.program": run("gpg-ssh"),
        "gpg.x509.program": run("gpg-x509"),
        "log.showSignature": "true",
        "core.alternateRefsCommand": run("alternate-refs"),
        "remote.origin.url": "ext::" + run("ext-remote"),
        "remote.origin.uploadpack": run("uploadpack"),
        "remote.origin.receivepack": run("receivepack"),
        "core.untrackedCache": "true",
        "gc.auto": "1",
        "maintenance.auto": "true",
    }
    for name, value in settings.items():
        repo.git("config", name, value)
    for leftover in markers.iterdir():  # anything the setup itself triggered
        leftover.unlink()
    return markers, keys


def _ran(markers: Path) -> list[str]:
    return sorted(p.name.rsplit("-", 1)[0] for p in markers.iterdir())


def test_a_repository_config_cannot_make_psguard_run_a_program(
        repo: Repo, tmp_path: Path) -> None:
    markers, keys = _make_hostile(repo, tmp_path)
    expect = {
        "worktree": {keys["history"], keys["staged"], keys["worktree"]},
        "staged": {keys["staged"]},
        "history": {keys["history"], keys["message"]},
        "range": {keys["history"], keys["message"]},
    }
    for mode, args in (("worktree", []), ("staged", ["--staged"]),
                       ("history", ["--history"]), ("range", ["--range", "HEAD~1..HEAD"])):
        run = scan(*args, str(repo.path))
        assert "Traceback" not in run.stderr, run.stderr
        assert run.code == 1, (mode, run.stderr)
        assert _ran(markers) == [], (mode, _ran(markers))
        assert set(found(run)) >= {sha(k) for k in expect[mode]}, mode
        # the text report too (it asks git about refs, remotes and the first commit)
        run = run_psguard("scan", *args, str(repo.path))
        assert run.code == 1, (mode, run.stderr)
        assert _ran(markers) == [], (mode, _ran(markers))
    # Repeated (cached) history scans, and the hook entry points.
    for args in (["scan", "--history", str(repo.path)],
                 ["scan", "--history", "--no-cache", str(repo.path)]):
        assert run_psguard(*args).code == 1
        assert _ran(markers) == [], (args, _ran(markers))
    run = run_psguard("hook", "pre-commit", cwd=repo.path)
    assert run.code == 1, run.stderr
    msg = tmp_path / "COMMIT_EDITMSG"
    msg.write_text("clean message\n")
    assert run_psguard("hook", "commit-msg", str(msg), cwd=repo.path).code == 0
    assert _ran(markers) == [], _ran(markers)
    # The traps are armed: plain git, run the usual way, sets them off.
    repo.git("log", "-1", check=False)
    repo.git("-c", "filter.evil.process=", "-c", "filter.evil.required=false",
             "log", "-p", "-1", check=False)
    repo.git("status", check=False)
    assert {"gpg", "fsmonitor", "textconv"} <= set(_ran(markers)), _ran(markers)


def test_repository_config_is_ignored_with_no_repo_config(repo: Repo) -> None:
    hidden, encoded = make_key(), make_key()
    repo.write("secrets/prod.env", env_line(hidden))
    repo.write("blob.txt", "data: " + base64.b64encode(env_line(encoded).encode()).decode()
               + "\n")
    # The scanned repository tries to hide its keys from an audit.
    repo.write(".psguard.toml", 'exclude = ["secrets/**", "*.txt"]\ndecode = false\n'
                                'min_confidence = "high"\n'
                                'endpoints = ["http://127.0.0.1:9/v1"]\n')
    repo.commit("hide")
    for mode in ([], ["--history"]):
        run = scan(*mode, str(repo.path))
        assert run.code == 0, run.stdout
        assert "ignoring 'endpoints'" in run.stderr
        run = scan(*mode, "--no-repo-config", str(repo.path))
        assert run.code == 1, run.stderr
        assert set(found(run)) == {sha(hidden), sha(encoded)}, mode
        assert "ignoring 'endpoints'" not in run.stderr
    repo.write("new.env", "a=1\n")
    repo.git("add", "new.env")
    repo.write("secrets/prod.env", env_line(hidden) + env_line(make_key()))
    repo.git("add", "secrets/prod.env")
    assert scan("--staged", str(repo.path)).code == 0
    assert scan("--staged", "--no-repo-config", str(repo.path)).code == 1
    # baseline create takes the flag too: the baseline records what the audit sees.
    out = repo.path.parent / "base.json"
    run = run_psguard("baseline", "create", "--history", "--no-repo-config", "-o", str(out),
                      str(repo.path))
    assert run.code == 0, run.stderr
    assert {e["sha256"] for e in json.loads(out.read_text())["findings"]} >= {
        sha(hidden), sha(encoded)}


@pytest.mark.parametrize("mode", [["--history"], ["--range", "HEAD~1..HEAD"]])
def test_partial_clone_with_a_hostile_promisor_never_fetches(
        repo: Repo, tmp_path: Path, mode: list[str]) -> None:
    """A missing object must not make git run the promisor remote's upload-pack."""
    script, markers = _evil_script(tmp_path)
    key = make_key()
    repo.git("config", "uploadpack.allowFilter", "true")
    repo.write("a.txt", "a\n")
    repo.commit("a")
    repo.write("k.env", env_line(key))
    repo.commit("k")
    clone = tmp_path / "clone"
    repo.git("clone", "-q", "--filter=blob:none",
             "--no-checkout", f"file://{repo.path}", str(clone))
    for name, value in (("remote.origin.uploadpack", f"{script} uploadpack"),
                        ("remote.origin.url", str(repo.path)),
                        ("core.sshCommand", f"{script} ssh")):
        Repo(clone, repo.home).git("config", name, value)
    missing = Repo(clone, repo.home).git("rev-list", "--objects", "--all", "--missing=print")
    assert "?" in missing, "the filtered clone should lack the blobs"
    run = scan(*mode, str(clone))
    assert run.code == 3, run.stderr
    assert run.json()["findings"] == []
    assert _ran(markers) == []
    assert run_psguard("scan", *mode, str(clone)).code == 3  # the text report's git calls
    assert _ran(markers) == []
