"""Several pushed keys (issue 20): the text report prints the shared rewrite once, a short
line a key, within 100 columns; `--explain` gives every key every step. The compact
procedure, followed literally from the text report, leaves the remote clean."""

from __future__ import annotations

from pathlib import Path

from psguard.testing import Repo, init_repo, make_key, run_psguard
from psguard.testing.procedure import psguard_on_path, run_script, text_commands


def _three_pushed(tmp_path: Path, git_home: Path) -> tuple[Repo, Repo, list[str]]:
    keys = [make_key() for _ in range(3)]
    work = init_repo(tmp_path / "work", git_home)
    remote = work.add_origin(tmp_path / "remote.git")
    for i, key in enumerate(keys):
        work.write(f"service{i}/app.env", f"POOLSIDE_API_KEY={key}\n")
        work.commit(f"service {i}")
    work.git("push", "-q", "-u", "origin", "main")
    return work, remote, keys


def test_three_pushed_keys_share_one_short_procedure(tmp_path: Path, git_home: Path) -> None:
    work, remote, keys = _three_pushed(tmp_path, git_home)
    env = {"NO_COLOR": "1"}
    compact = run_psguard("scan", "--history", str(work.path), env=env)
    full = run_psguard("scan", "--history", "--explain", str(work.path), env=env)
    assert compact.code == full.code == 1

    lines = compact.stdout.splitlines()
    summary = lines[-1]  # "psguard: 3 Poolside keys in 3 places; scanned ..."
    assert summary.startswith("psguard: 3 Poolside keys")
    assert max(len(line) for line in lines[:-1]) <= 100
    assert len(lines) <= 70 and len(compact.stdout) <= 5500
    assert len(full.stdout) > 2 * len(compact.stdout)
    # The rewrite once, not once a key; every key still named, with where it is.
    assert compact.stdout.count("--replace-text") == 1
    assert full.stdout.count("--replace-text") == 3
    assert compact.stdout.count("git clone --no-local") == 1
    assert "What to do about the 3 pushed keys" in compact.stdout
    for i, key in enumerate(keys):
        assert f"ps-…{key[-4:]}  high confidence" in compact.stdout
        assert (f"to do: revoke it (step 1 below); keep its replacement out of "
                f"service{i}/app.env (step 2).") in compact.stdout
        assert key not in compact.stdout + full.stdout
    assert "Developer API Keys" in compact.stdout  # the console step, said once
    assert compact.stdout.count("Developer API Keys") == 1

    # The Markdown report (pull-request comments, job summaries) says it once too.
    md = run_psguard("scan", "--history", "--format", "markdown", str(work.path)).stdout
    md_full = run_psguard("scan", "--history", "--format", "markdown", "--explain",
                          str(work.path)).stdout
    assert md.count("--replace-text") == 1 and md_full.count("--replace-text") == 3
    assert "#### What to do about the 3 pushed keys, once for all of them" in md
    for i, key in enumerate(keys):
        assert f"**`ps-…{key[-4:]}`** (not checked, pushed):" in md
        assert f"keep its replacement out of service{i}/app.env (step 2)." in md

    # Followed literally, from the clone on: one shell, stops at the first failure.
    commands = text_commands(compact.stdout)
    start = next(i for i, c in enumerate(commands) if c.startswith("git clone --no-local"))
    script = commands[start:]
    assert any("\\\n" in c for c in script)  # long commands continue on the next line
    proc = run_script(script, work.path, {**work.env, **psguard_on_path(tmp_path)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check = tmp_path / "check.git"
    work.git("clone", "-q", "--mirror", "--no-local", str(remote.path), str(check))
    history = Repo(check, git_home).git("log", "--all", "-p")
    assert not any(key in history for key in keys)
    assert run_psguard("scan", "--history", str(check)).code == 0


def test_one_pushed_key_keeps_its_full_steps(tmp_path: Path, git_home: Path) -> None:
    work = init_repo(tmp_path / "work", git_home)
    work.add_origin(tmp_path / "remote.git")
    work.write("app.env", f"POOLSIDE_API_KEY={make_key()}\n")
    work.commit("add")
    work.git("push", "-q", "-u", "origin", "main")
    out = run_psguard("scan", "--history", str(work.path), env={"NO_COLOR": "1"}).stdout
    assert "What to do about" not in out and "  1. Revoke it first" in out
