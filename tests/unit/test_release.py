"""A release is one version everywhere a user reads it: the package, `psguard --version`,
the README's install snippets (pre-commit `rev:`, the GitHub Action, GitLab's pip
install) and a CHANGELOG section; the lead tags `v<version>` when it lands."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from psguard.version import __version__

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_pyproject_names_the_package_version() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'(?m)^version = "([^"]+)"$', pyproject)[1] == __version__  # type: ignore[index]


def test_version_flag_prints_it() -> None:
    out = subprocess.run([sys.executable, "-m", "psguard", "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"psguard {__version__}"


@pytest.mark.parametrize("pattern", [
    r"(?m)^\s+rev: (\S+)$",  # .pre-commit-config.yaml
    r"uses: <owner>/psguard@(\S+)",  # GitHub Actions
    r'pip install --quiet "git\+[^"@]*@([^"]+)"',  # GitLab CI
])
def test_readme_snippets_name_the_release_tag(pattern: str) -> None:
    found = re.findall(pattern, README)
    assert found, pattern
    assert set(found) == {f"v{__version__}"}


def test_changelog_has_a_section_for_the_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    section = re.search(rf"(?m)^## \[{re.escape(__version__)}\] - (\d{{4}}-\d{{2}}-\d{{2}})$",
                        changelog)
    assert section, f"no '## [{__version__}] - YYYY-MM-DD' section in CHANGELOG.md"
    body = changelog[section.end():].split("\n## ", 1)[0]
    assert "### Added" in body
