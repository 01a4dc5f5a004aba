"""`psguard audit` takes the conventions `scan` and `ci` have (one definition,
commands/options): -q/-v, --exclude/--include in every repository, --exit-zero, -f/-o.
Real repositories, audited on the embedded Dask cluster."""

from __future__ import annotations

import json
from pathlib import Path

from psguard.testing import Repo, init_repo, make_key, run_psguard


def two_repos(tmp_path: Path, home: Path) -> list[str]:
    out = []
    for name in ("one", "two"):
        repo: Repo = init_repo(tmp_path / name, home)
        repo.write("app/settings.env", f"POOLSIDE_API_KEY={make_key()}\n")
        repo.write("vendor/conf.env", f"POOLSIDE_API_KEY={make_key()}\n")
        repo.commit("keys")
        out.append(str(repo.path))
    return out


def paths(report: dict) -> set[str]:  # type: ignore[type-arg]
    return {loc["path"] for f in report["findings"] for loc in f["locations"]}


def test_quiet_exclude_and_short_forms(tmp_path: Path, git_home: Path) -> None:
    repos = two_repos(tmp_path, git_home)
    out = tmp_path / "audit.json"
    run = run_psguard("audit", "--workers", "1", "-q", "--exclude", "vendor/", "-f", "json",
                      "-o", str(out), *repos, timeout=600)
    assert run.code == 1, run.stderr
    assert run.stdout == "" and "psguard" not in run.stderr
    report = json.loads(out.read_text())
    assert len(report["findings"]) == 2 and paths(report) == {"app/settings.env"}


def test_exit_zero_include_and_verbose(tmp_path: Path, git_home: Path) -> None:
    repos = two_repos(tmp_path, git_home)
    run = run_psguard("audit", "--workers", "1", "--exit-zero", "--include", "vendor/**",
                      "-v", "-f", "json", *repos, timeout=600)
    assert run.code == 0, run.stderr
    report = run.json()
    assert paths(report) == {"vendor/conf.env"} and report["scan"]["report_only"] is True
    assert ("psguard: warning: Report only (--exit-zero): this run exits 0 whatever it "
            "finds; 2 Poolside API keys found here would otherwise fail it.") in run.stderr
    assert "psguard: audit scan of " in run.stderr  # --verbose's account
