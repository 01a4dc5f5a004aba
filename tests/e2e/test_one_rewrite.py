"""One history rewrite for every pushed key (issue 20): two keys pushed to a bare
remote, one plain and one only base64-encoded (a Kubernetes Secret); the printed
procedure is followed literally, command by command, in one shell; then a fresh clone of
the remote holds neither key in any form."""

from __future__ import annotations

import base64
import stat
import subprocess
from pathlib import Path

from psguard.stages.rewrite import encoded_forms, replacements_text
from psguard.testing import Repo, init_repo, make_key, run_psguard
from psguard.testing.procedure import psguard_on_path


def test_printed_procedure_removes_a_plain_and_a_base64_key(tmp_path: Path,
                                                            git_home: Path) -> None:
    plain, encoded = make_key(), make_key()
    work = init_repo(tmp_path / "work", git_home)
    remote = work.add_origin(tmp_path / "remote.git")
    work.write("app.env", f"POOLSIDE_API_KEY={plain}\n")
    work.commit("add app.env")
    secret = base64.b64encode(f"token: {encoded}\n".encode()).decode()
    work.write("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\n"
                                  f"data:\n  credentials: {secret}\n")
    work.commit("add the secret")
    work.write("README.md", "docs\n")
    work.commit("docs")
    work.git("push", "-q", "-u", "origin", "main")

    report = run_psguard("scan", "--history", "--format", "json", str(work.path)).json()
    assert {f["exposure"] for f in report["findings"]} == {"pushed"}
    decoded = {loc["decoded_from"] for f in report["findings"] for loc in f["locations"]}
    assert decoded == {None, "base64"}  # one plain, one found only encoded
    steps = report["findings"][0]["remediation"]
    commands = [s["command"] for s in steps if s["command"]]
    assert not any(plain in c or encoded in c for c in commands)
    start = next(i for i, c in enumerate(commands) if c.startswith("git clone --no-local"))
    script = commands[start:]
    assert "--write-replacements" in script[1] and "git filter-repo --version" in script[2]
    assert script[3] == "psguard scan --history"

    # Literally: one shell, from the top of the repository, stopping at the first failure
    # (the check of the rewritten clone fails the script if a key is left).
    env = {**work.env, **psguard_on_path(tmp_path)}
    proc = subprocess.run(["bash", "-e", "-c", "\n".join(script)], cwd=work.path, env=env,
                          capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert plain not in out and encoded not in out
    assert not (tmp_path / "psguard-replacements.txt").exists()  # deleted once used

    check = tmp_path / "check.git"  # every branch and tag the remote now has
    work.git("clone", "-q", "--mirror", "--no-local", str(remote.path), str(check))
    history = Repo(check, git_home).git("log", "--all", "-p")
    assert plain not in history and "***REMOVED-POOLSIDE-KEY***" in history
    assert not any(form in history for form in encoded_forms(encoded))
    clean = run_psguard("scan", "--history", str(check))
    assert clean.code == 0, clean.stdout + clean.stderr


def test_replacements_cover_every_alignment_of_both_alphabets() -> None:
    key = make_key()
    for lead in ("", "a", "ab", "abc: "):
        blob = (lead + key + "\n").encode()
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(blob).decode()
            assert any(form in text for form in encoded_forms(key)), (lead, encode)
    lines = replacements_text([_finding(key)]).splitlines()
    assert lines[0].endswith("==>***REMOVED-POOLSIDE-KEY***")
    assert f"{key}==>***REMOVED-POOLSIDE-KEY***" in lines


def test_write_replacements_needs_show_secrets_and_is_private(repo: Repo,
                                                              tmp_path: Path) -> None:
    key = make_key()
    repo.write("a.env", f"K={key}\n")
    repo.commit("add")
    target = tmp_path / "r.txt"
    refused = run_psguard("scan", "--history", "--write-replacements", str(target),
                          str(repo.path))
    assert refused.code == 2 and "--show-secrets" in refused.stderr
    assert not target.exists()
    run = run_psguard("scan", "--history", "--show-secrets", "--quiet", "--exit-zero",
                      "--write-replacements", str(target), str(repo.path))
    # --quiet leaves only the report-only warning: no key, no report
    assert (run.code, run.stdout) == (0, "")
    assert run.stderr.startswith("psguard: warning: Report only (--exit-zero)")
    assert len(run.stderr.splitlines()) == 1 and key not in run.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert f"{key}==>" in target.read_text()


def _finding(key: str):  # type: ignore[no-untyped-def]
    from psguard.models import Finding

    return Finding("poolside-api-key", key, "high", [])


def test_procedure_for_a_remote_scan_starts_from_the_url(tmp_path: Path,
                                                         git_home: Path) -> None:
    """`scan --history URL` (and audits) read a mirror psguard keeps: the steps clone the
    URL itself and push back to it; followed literally from an empty directory, the
    remote ends up clean."""
    key = make_key()
    work = init_repo(tmp_path / "work", git_home)
    remote = work.add_origin(tmp_path / "remote.git")
    work.write("app.env", f"POOLSIDE_API_KEY={key}\n")
    work.commit("add app.env")
    work.git("push", "-q", "-u", "origin", "main")
    url = f"file://{remote.path}"

    report = run_psguard("scan", "--history", "--format", "json", "--mirror-dir",
                         str(tmp_path / "mirrors"), url).json()
    [finding] = report["findings"]
    commands = [s["command"] for s in finding["remediation"] if s["command"]]
    start = next(i for i, c in enumerate(commands) if c.startswith("git clone "))
    script = commands[start:]
    assert script[0] == f"git clone {url} psguard-rewrite && cd psguard-rewrite"
    assert not any("--no-local" in c or "git -C .." in c for c in script)
    assert script[-1].startswith(f"git remote add origin {url} && git push --force --all")

    empty = tmp_path / "elsewhere"
    empty.mkdir()
    env = {**work.env, **psguard_on_path(tmp_path)}
    proc = subprocess.run(["bash", "-e", "-c", "\n".join(script)], cwd=empty, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert key not in proc.stdout + proc.stderr
    check = tmp_path / "check.git"
    work.git("clone", "-q", "--mirror", "--no-local", str(remote.path), str(check))
    assert key not in Repo(check, git_home).git("log", "--all", "-p")
    assert run_psguard("scan", "--history", str(check)).code == 0
