"""Fixtures for the end-to-end tests: psguard's hooks installed through the real
pre-commit framework. The framework builds psguard's hook environment once per test
session (from a snapshot commit of this checkout) in a shared PRE_COMMIT_HOME; every
test that installs the hooks the way users do shares it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from psguard.testing import Repo, init_repo

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def framework(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A snapshot commit of this checkout as a hook repository, and a PRE_COMMIT_HOME
    where the framework has built psguard's environment (once for the session)."""
    base = tmp_path_factory.mktemp("framework")
    snap = base / "psguard-repo"
    snap.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "LICENSE"):
        if (PROJECT / name).exists():
            shutil.copy2(PROJECT / name, snap / name)
    shutil.copytree(PROJECT / "src", snap / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"))
    home = base / "home"
    home.mkdir()
    snap_repo = Repo(snap, home)
    snap_repo.git("init", "-q", "-b", "main")
    rev = snap_repo.commit("snapshot")
    pc_home = base / "pre-commit-home"
    # Build the hook environment once, in a scratch repository.
    scratch = init_repo(base / "scratch", home)
    scratch.write(".pre-commit-config.yaml", framework_config(str(snap), rev))
    env = {**scratch.env, "PRE_COMMIT_HOME": str(pc_home)}
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "install-hooks"],
                          cwd=scratch.path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {"repo": str(snap), "rev": rev, "home": str(pc_home)}


def framework_config(repo: str, rev: str) -> str:
    return (
        "default_install_hook_types: [pre-commit, pre-push, commit-msg]\n"
        "repos:\n"
        f"  - repo: {repo}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: psguard\n"
        "      - id: psguard-push\n"
        "      - id: psguard-commit-msg\n"
    )


@pytest.fixture
def fw_repo(repo: Repo, framework: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A fresh repository with psguard's hooks installed through `pre-commit install`."""
    monkeypatch.setenv("PRE_COMMIT_HOME", framework["home"])
    monkeypatch.delenv("SKIP", raising=False)
    repo.write(".pre-commit-config.yaml", framework_config(framework["repo"],
                                                           framework["rev"]))
    repo.commit("add pre-commit config", ".pre-commit-config.yaml")
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo.path,
                          env=repo.env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for hook in ("pre-commit", "pre-push", "commit-msg"):
        assert (repo.path / ".git" / "hooks" / hook).exists()
    return repo
