"""Working-tree scans descend into checked-out submodules, and report the ones that are
not checked out as not scanned (exit 3: the scan is incomplete)."""

from __future__ import annotations

from pathlib import Path

from psguard.testing import Repo, init_repo, make_key, run_psguard


def _with_submodule(repo: Repo, tmp_path: Path) -> str:
    key = make_key()
    lib = init_repo(tmp_path / "lib", repo.home)
    lib.write("config/settings.env", f"POOLSIDE_API_KEY={key}\n")
    lib.commit("settings")
    repo.write("README.md", "app\n")
    repo.commit("init")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q",
             str(lib.path), "vendor/lib")
    repo.commit("add lib")
    return key


def test_a_checked_out_submodule_is_scanned(repo: Repo, tmp_path: Path) -> None:
    key = _with_submodule(repo, tmp_path)
    run = run_psguard("scan", str(repo.path), "--format", "json")
    assert run.code == 1, run.stderr
    report = run.json()
    paths = [loc["path"] for f in report["findings"] for loc in f["locations"]]
    assert paths == ["vendor/lib/config/settings.env"]
    assert report["scan"]["complete"] and key not in run.stdout


def test_a_submodule_not_checked_out_makes_the_scan_incomplete(repo: Repo, tmp_path: Path
                                                               ) -> None:
    _with_submodule(repo, tmp_path)
    clone = tmp_path / "clone"
    repo.git("clone", "-q", str(repo.path), str(clone))  # no --recurse-submodules
    run = run_psguard("scan", str(clone), "--format", "json")
    assert run.code == 3, run.stderr
    report = run.json()
    assert not report["scan"]["complete"]
    assert [(p["kind"], p["target"]) for p in report["scan"]["problems"]] == [
        ("not-scanned", "vendor/lib")]
