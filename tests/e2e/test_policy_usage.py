"""A --fail-on that can never block is a usage error (issue 19, row 4).

Without verification every key is `not_checked`, so `--fail-on live` alone would let every
key through while the gate looks green. Each entry point says so in one line and exits 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from psguard.testing import Repo, make_key, run_psguard
from psguard.testing.poolside_fake import FakePoolside

MESSAGE = "can never block without verification"


@pytest.fixture
def keyed(repo: Repo) -> tuple[Repo, str]:
    key = make_key()
    repo.write("settings.py", f'POOLSIDE_API_KEY = "{key}"\n')
    repo.commit("initial", "settings.py")
    return repo, key


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
            "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
            "PSGUARD_ENDPOINTS": "", "PSGUARD_CA_BUNDLE": ""}


@pytest.fixture
def api() -> Iterator[FakePoolside]:
    with FakePoolside() as server:
        yield server


@pytest.mark.parametrize("fail_on", ["live", "live,unknown", "rejected"])
@pytest.mark.parametrize("mode", [[], ["--history"], ["--staged"]])
def test_scan_rejects_an_unsatisfiable_fail_on(keyed: tuple[Repo, str], user_env: dict[str, str],
                                               fail_on: str, mode: list[str]) -> None:
    repo, key = keyed
    run = run_psguard("scan", *mode, "--fail-on", fail_on, str(repo.path), env=user_env)
    assert run.code == 2
    assert run.stderr.strip().count("\n") == 0 and MESSAGE in run.stderr
    assert "--verify" in run.stderr and key not in run.stderr + run.stdout


def test_fail_on_including_not_checked_still_blocks(keyed: tuple[Repo, str],
                                                    user_env: dict[str, str]) -> None:
    repo, _ = keyed
    run = run_psguard("scan", "--fail-on", "live,not_checked", str(repo.path), env=user_env)
    assert run.code == 1, run.stderr


def test_pre_commit_hook_rejects_it_and_blocks(repo: Repo, user_env: dict[str, str]) -> None:
    repo.write("settings.py", f'POOLSIDE_API_KEY = "{make_key()}"\n')
    repo.git("add", "settings.py")
    run = run_psguard("hook", "pre-commit", "--fail-on", "live", cwd=repo.path, env=user_env)
    assert run.code == 2 and MESSAGE in run.stderr


def test_pre_push_hook_rejects_it_and_blocks(keyed: tuple[Repo, str],
                                             user_env: dict[str, str]) -> None:
    repo, _ = keyed
    head = repo.git("rev-parse", "HEAD")
    push = f"refs/heads/main {head} refs/heads/main {'0' * len(head)}\n"
    run = run_psguard("hook", "pre-push", "--fail-on", "live", "--", "origin", "file:///x",
                      cwd=repo.path, env=user_env, input=push)
    assert run.code == 2 and MESSAGE in run.stderr


def test_commit_msg_hook_rejects_it(repo: Repo, user_env: dict[str, str]) -> None:
    message = repo.path / "MSG"
    message.write_text(f"rotate {make_key()}\n", encoding="utf-8")
    run = run_psguard("hook", "commit-msg", "--fail-on", "live", str(message), cwd=repo.path,
                      env=user_env)
    assert run.code == 2 and MESSAGE in run.stderr


def test_ci_rejects_it(keyed: tuple[Repo, str], user_env: dict[str, str]) -> None:
    repo, _ = keyed
    repo.write("more.py", f'KEY = "{make_key()}"\n')
    repo.commit("more", "more.py")
    run = run_psguard("ci", "--range", "HEAD~1..HEAD", "--fail-on", "live", cwd=repo.path,
                      env=user_env)
    assert run.code == 2 and MESSAGE in run.stderr


def test_fail_on_live_with_verification_blocks_a_live_key(
        keyed: tuple[Repo, str], user_env: dict[str, str], api: FakePoolside) -> None:
    repo, key = keyed
    env = dict(user_env, PSGUARD_ENDPOINTS=api.url)
    run = run_psguard("scan", "--verify", "--fail-on", "live", str(repo.path), env=env)
    assert run.code == 0, run.stderr  # the key is not live: nothing to block on
    api.know(key)
    run = run_psguard("scan", "--verify", "--no-cache", "--fail-on", "live", str(repo.path),
                      env=env)
    assert run.code == 1, run.stderr
