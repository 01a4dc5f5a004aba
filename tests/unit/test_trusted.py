"""config.PolicySource and stages/trusted.py against real repositories: which files a
commit holds, what a change modifies, what is read from where."""

from __future__ import annotations

from pathlib import Path

import pytest

from psguard.config import Config, PolicySource, load_policy_config
from psguard.errors import ConfigError
from psguard.readfile import MissingFileError
from psguard.stages.trusted import changed_policy
from psguard.testing import Repo


def test_in_repo_names_paths_from_the_top_and_nothing_outside(tmp_path: Path) -> None:
    policy = PolicySource(tmp_path / "r", "HEAD")
    assert policy.in_repo(tmp_path / "r" / "a" / "b.toml") == "a/b.toml"
    assert policy.in_repo(tmp_path / "r" / "a" / ".." / "c.json") == "c.json"
    assert policy.in_repo(tmp_path / "r" / ".." / "elsewhere.toml") is None
    assert policy.in_repo(tmp_path / "other" / "x.toml") is None
    assert PolicySource(None).in_repo(tmp_path / "r" / "x") is None


def test_a_commit_source_reads_the_commit_not_the_work_tree(repo: Repo) -> None:
    repo.write(".psguard.toml", 'min_confidence = "low"\n')
    repo.write("big.json", "x" * (2 * 1024 * 1024))
    (repo.path / "dir.toml").mkdir()
    repo.write("dir.toml/inner", "x\n")
    repo.commit("policy")
    repo.write(".psguard.toml", 'exclude = ["config/"]\n')  # uncommitted edit
    head = PolicySource(repo.path, "HEAD")
    assert load_policy_config(head).min_confidence == "low"
    assert load_policy_config(head).exclude == []
    assert load_policy_config(PolicySource(repo.path)).exclude == ["config/"]
    with pytest.raises(MissingFileError):
        head.read(repo.path / ".psguardignore", "ignore file")
    with pytest.raises(ConfigError, match="larger than"):
        head.read(repo.path / "big.json", "config file")
    with pytest.raises(ConfigError, match="not a regular file"):
        head.read(repo.path / "dir.toml", "config file")
    # nothing trusted: no repository file at all, even one the work tree has
    assert load_policy_config(PolicySource(repo.path, "")).min_confidence == "medium"


def test_changed_policy_names_what_the_tip_holds_differently(repo: Repo) -> None:
    repo.write("pyproject.toml", '[project]\nname = "a"\n\n[tool.psguard]\nexclude = []\n')
    repo.write(".psguardignore", "# none\n")
    base = repo.commit("base")
    repo.write("pyproject.toml", '[project]\nname = "b"\n\n[tool.psguard]\nexclude = []\n')
    quiet = repo.commit("rename the project")
    repo.write("pyproject.toml", '[project]\nname = "b"\n\n[tool.psguard]\nexclude = ["x/"]\n')
    (repo.path / ".psguardignore").unlink()
    loud = repo.commit("weaken")
    config = load_policy_config(PolicySource(repo.path, base))
    assert changed_policy(config, [quiet]) == []
    assert changed_policy(config, [loud]) == ["pyproject.toml", ".psguardignore"]
    nothing = load_policy_config(PolicySource(repo.path, ""))
    assert changed_policy(nothing, [base]) == ["pyproject.toml", ".psguardignore"]
    assert changed_policy(Config(policy=PolicySource(repo.path)), [loud]) == []
