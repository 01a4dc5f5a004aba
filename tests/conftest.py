"""Shared fixtures; the helpers themselves live in psguard.testing (benchmarks use
them too). Keys are generated at run time and never written into this repository: the
repo must pass its own scanner.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from psguard.testing import Repo, init_repo, make_key, run_psguard


@pytest.fixture
def key() -> str:
    return make_key()


@pytest.fixture
def git_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def repo(tmp_path: Path, git_home: Path) -> Repo:
    return init_repo(tmp_path / "repo", git_home)


@pytest.fixture
def psguard() -> Iterator[Any]:
    yield run_psguard


# Hypothesis: reproducible in CI (derandomized, fixed example database), longer locally
# with HYPOTHESIS_PROFILE=long.
try:
    from hypothesis import HealthCheck, settings
    from hypothesis.database import DirectoryBasedExampleDatabase

    _HYPOTHESIS_DB = DirectoryBasedExampleDatabase(
        str(Path(__file__).parent / "hypothesis-db"))
    settings.register_profile("ci", max_examples=300, derandomize=True, database=None,
                              deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("long", max_examples=20_000, deadline=None,
                              database=_HYPOTHESIS_DB,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass
