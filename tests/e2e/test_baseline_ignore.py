"""Baselines and .psguardignore: accept today's findings, fail only on new ones."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from psguard.testing import Repo, make_key, run_psguard


def env_line(key: str) -> str:
    return f"POOLSIDE_API_KEY={key}\n"


def scan(*args: str) -> tuple[int, dict[str, Any]]:
    run = run_psguard("scan", *args, "--format", "json")
    assert run.code in (0, 1, 3), run.stderr
    return run.code, run.json()


def tails(report: dict[str, Any]) -> set[str]:
    return {f["secret"]["redacted"][-4:] for f in report["findings"]}


def test_baseline_round_trip(repo: Repo) -> None:
    old = make_key()
    repo.write("app/settings.env", env_line(old))
    repo.commit("old key")
    run = run_psguard("baseline", "create", str(repo.path))
    assert run.code == 0, run.stderr
    baseline = repo.path / ".psguard-baseline.json"
    text = baseline.read_text()
    assert old not in text
    assert re.search(r"ps-[A-Za-z0-9_-]{16}", text) is None  # no key-shaped text at all
    data = json.loads(text)
    assert data["schema"] == "psguard-baseline/v1"
    (entry,) = data["findings"]
    assert entry["redacted"].endswith(old[-4:])
    assert entry["locations"] == [{"kind": "file", "path": "app/settings.env"}]
    assert "--baseline .psguard-baseline.json" in run.stdout

    # Rescan: clean, and the suppressed count says why.
    code, report = scan(str(repo.path), "--baseline", str(baseline))
    assert code == 0 and report["findings"] == [] and report["scan"]["suppressed"] == 1

    # A new key fails; the baselined one stays quiet.
    new = make_key()
    repo.write("app/new.env", env_line(new))
    code, report = scan(str(repo.path), "--baseline", str(baseline))
    assert code == 1 and tails(report) == {new[-4:]}

    # The baselined key copied into another file is new again, at that file.
    repo.write("docs/example.env", env_line(old))
    code, report = scan(str(repo.path), "--baseline", str(baseline))
    assert tails(report) == {new[-4:], old[-4:]}
    spread = next(f for f in report["findings"] if f["secret"]["redacted"].endswith(old[-4:]))
    assert any("not at: docs/example.env" in n for n in spread["notes"])

    # Update records today's state; the rescan is clean again.
    run = run_psguard("baseline", "update", str(repo.path))
    assert run.code == 0 and "(1 new, 0 no longer found)" in run.stdout
    code, report = scan(str(repo.path), "--baseline", str(baseline))
    assert code == 0 and report["scan"]["suppressed"] == 2


def test_baseline_from_config_subdirectory_and_history(repo: Repo) -> None:
    key = make_key()
    repo.write("svc/a.env", env_line(key))
    repo.commit("add")
    out = repo.path / "ci" / "psguard-baseline.json"
    out.parent.mkdir()
    assert run_psguard("baseline", "create", "--history", str(repo.path),
                       "--output", str(out)).code == 0
    repo.write(".psguard.toml", 'baseline = "ci/psguard-baseline.json"\n')
    assert scan("--history", str(repo.path))[0] == 0
    # The same baseline serves a working-tree scan of a subdirectory: paths are
    # recorded from the repository root.
    assert scan(str(repo.path / "svc"), "--baseline", str(out))[0] == 0


def test_baseline_errors_are_one_line_exit_2(repo: Repo) -> None:
    repo.write("a.txt", "nothing\n")
    missing = run_psguard("scan", str(repo.path), "--baseline", str(repo.path / "nope.json"))
    assert missing.code == 2
    assert missing.stderr.startswith("psguard: error: baseline ")
    assert len(missing.stderr.strip().splitlines()) == 1
    (repo.path / "bad.json").write_text("{}")
    bad = run_psguard("scan", str(repo.path), "--baseline", str(repo.path / "bad.json"))
    assert bad.code == 2 and "not a psguard baseline" in bad.stderr
    assert run_psguard("baseline", "create", str(repo.path)).code == 0
    again = run_psguard("baseline", "create", str(repo.path))
    assert again.code == 2 and "use 'psguard baseline update'" in again.stderr


def test_ignore_file_round_trip_and_stale_entries(repo: Repo) -> None:
    old = make_key()
    repo.write("fixtures/dead.env", env_line(old))
    repo.commit("fixture")
    code, report = scan(str(repo.path))
    assert code == 1
    fid = report["findings"][0]["id"]
    text = run_psguard("scan", str(repo.path)).stdout
    assert f"add to .psguardignore: {fid}" in text  # psguard prints the id to use

    stale = "0123456789abcdef0123"
    repo.write(".psguardignore", f"# accepted findings\n{fid}  # revoked test fixture\n"
                                 f"{stale}  # a key removed long ago\nnot-an-id\n")
    code, report = scan(str(repo.path))
    assert code == 0 and report["findings"] == [] and report["scan"]["suppressed"] == 1
    problems = {p["kind"]: p for p in report["scan"]["problems"]}
    assert problems["stale-ignore"]["target"] == ".psguardignore:3"
    assert stale in problems["stale-ignore"]["detail"]
    assert problems["warning"]["target"] == ".psguardignore:4"
    assert report["scan"]["complete"] is True  # stale entries do not make a scan partial

    new = make_key()
    repo.write("src/new.env", env_line(new))
    code, report = scan(str(repo.path))
    assert code == 1 and tails(report) == {new[-4:]}

    human = run_psguard("scan", str(repo.path))
    assert "stale-ignore: .psguardignore:3" in human.stdout

    # History scans honour it too; audits of untrusted repositories can refuse it.
    assert tails(scan("--history", str(repo.path))[1]) == set()
    assert tails(scan(str(repo.path), "--no-repo-config")[1]) == {old[-4:], new[-4:]}


def test_staged_scans_do_not_judge_staleness(repo: Repo) -> None:
    repo.write(".psguardignore", "0123456789abcdef0123\n")
    repo.commit("ignore file")
    key = make_key()
    repo.write("a.env", env_line(key))
    repo.git("add", "a.env")
    code, report = scan("--staged", str(repo.path))
    assert code == 1
    assert not any(p["kind"] == "stale-ignore" for p in report["scan"]["problems"])
    # Ignoring it by id works in the pre-commit path as well.
    fid = report["findings"][0]["id"]
    (repo.path / ".psguardignore").write_text(f"{fid}\n")
    assert scan("--staged", str(repo.path))[0] == 0


def test_baseline_never_writes_raw_keys_even_for_many_places(repo: Repo,
                                                             tmp_path: Path) -> None:
    keys = [make_key() for _ in range(3)]
    for i, k in enumerate(keys):
        repo.write(f"f{i}.env", env_line(k))
        repo.write(f"copy/f{i}.env", env_line(k))
    repo.commit("keys", ".")
    repo.git("commit", "--allow-empty", "-q", "-m", f"message with {keys[0]}")
    out = tmp_path / "b.json"
    assert run_psguard("baseline", "create", "--history", str(repo.path),
                       "--output", str(out)).code == 0
    text = out.read_text()
    assert not any(k in text for k in keys)
    data = json.loads(text)
    assert len(data["findings"]) == 3
    kinds = {loc["kind"] for e in data["findings"] for loc in e["locations"]}
    assert "commit-message" in kinds
    assert scan("--history", str(repo.path), "--baseline", str(out))[0] == 0


def test_suppressed_keys_are_never_sent_for_verification(repo: Repo, tmp_path: Path) -> None:
    """Suppression runs before verification: accepted keys do not leave the machine."""
    from psguard.testing.poolside_fake import FakePoolside

    ignored, baselined, new = make_key(), make_key(), make_key()
    repo.write("a.env", env_line(ignored))
    repo.write("b.env", env_line(baselined))
    repo.commit("keys")
    _, report = scan(str(repo.path))
    ids = {f["secret"]["redacted"][-4:]: f["id"] for f in report["findings"]}
    repo.write(".psguardignore", f"{ids[ignored[-4:]]}  # fixture\n")
    base = tmp_path / "base.json"
    assert run_psguard("baseline", "create", str(repo.path), "--output", str(base)).code == 0
    repo.write("c.env", env_line(new))
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
           "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"), "PSGUARD_ENDPOINTS": ""}
    with FakePoolside() as api:
        api.know(ignored, baselined, new)
        run = run_psguard("scan", str(repo.path), "--baseline", str(base), "--verify",
                          "--endpoint", api.url, "--format", "json", env=env)
        assert api.count(new) == 1
        assert api.count(ignored) == 0 and api.count(baselined) == 0
    assert run.code == 1
    (only,) = run.json()["findings"]
    assert only["verification"]["status"] == "live"
    assert run.json()["scan"]["suppressed"] == 2
    assert run.json()["scan"]["suppressed_by"] == {"ignore-file": 1, "baseline": 1}
    text = run_psguard("scan", str(repo.path), "--baseline", str(base)).stdout
    assert "2 findings suppressed (1 by .psguardignore, 1 by the baseline)" in text


def test_suppressed_count_names_inline_allow_comments(repo: Repo) -> None:
    repo.write("a.env", f"POOLSIDE_API_KEY={make_key()}  # psguard:allow\n")
    code, report = scan(str(repo.path))
    assert code == 0 and report["scan"]["suppressed_by"] == {"inline": 1}
    assert "1 finding suppressed (1 by allow comments)" in \
        run_psguard("scan", str(repo.path)).stdout
