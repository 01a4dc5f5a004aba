"""`psguard ci` in the shallow checkouts CI systems make: a key on the pull request's
head (or a push's new tip) is pushed, and the advice is to revoke it first, even when no
remote-tracking ref of the checkout reaches the commit that holds it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from psguard.testing import Repo, init_repo, make_key, run_psguard

CI_VARS = ("GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_BASE_REF",
           "GITHUB_HEAD_REF", "GITHUB_REF", "GITHUB_SHA", "GITHUB_STEP_SUMMARY", "GITLAB_CI",
           "CI_PIPELINE_SOURCE", "CI_COMMIT_SHA", "CI_COMMIT_BEFORE_SHA", "CI_COMMIT_BRANCH",
           "CI_COMMIT_REF_NAME", "CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_DIFF_BASE_SHA",
           "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "CI_MERGE_REQUEST_REF_PATH")


@pytest.fixture(autouse=True)
def _no_ci_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_VARS:
        monkeypatch.delenv(name, raising=False)


class PullRequest:
    """A server with main and a pushed feature branch holding a key, and the merge
    commit GitHub makes for the pull request (refs/pull/7/merge, refs/pull/7/head)."""

    def __init__(self, tmp: Path, home: Path) -> None:
        self.tmp, self.home = tmp, home
        self.server = init_repo(tmp / "server.git", home, bare=True)
        dev = init_repo(tmp / "dev", home)
        dev.git("remote", "add", "origin", self.server.path.as_uri())
        for i in range(3):
            dev.write(f"m{i}.py", f"x = {i}\n")
            dev.commit(f"work {i}", f"m{i}.py")
        dev.git("push", "-q", "origin", "main")
        self.base = dev.git("rev-parse", "main")
        dev.git("checkout", "-q", "-b", "feature")
        self.key = make_key()
        dev.write("app/settings.py", f'POOLSIDE_API_KEY = "{self.key}"\n')
        self.holder = dev.commit("settings", "app/settings.py")
        dev.write("app/other.py", "y = 2\n")
        self.head = dev.commit("other", "app/other.py")
        dev.git("push", "-q", "origin", "feature")
        dev.git("checkout", "-q", "--detach", "main")
        dev.git("merge", "-q", "--no-ff", "-m", "Merge feature into main", "feature")
        self.merge = dev.git("rev-parse", "HEAD")
        dev.git("push", "-q", "origin", "HEAD:refs/pull/7/merge", "feature:refs/pull/7/head")

    def ci(self, co: Repo, **extra: str):
        event = self.tmp / "event.json"
        event.write_text(json.dumps({"action": "synchronize", "number": 7, "pull_request": {
            "number": 7, "base": {"ref": "main", "sha": self.base},
            "head": {"ref": "feature", "sha": self.head}}}), encoding="utf-8")
        env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
               "GITHUB_EVENT_PATH": str(event), "GITHUB_BASE_REF": "main",
               "GITHUB_HEAD_REF": "feature", "GITHUB_REF": "refs/pull/7/merge",
               "GITHUB_SHA": self.merge, "HOME": str(self.home), **extra}
        return (run_psguard("ci", "--format", "json", cwd=co.path, env=env),
                run_psguard("ci", "--format", "text", cwd=co.path, env=env))

    def assert_pushed(self, co: Repo, published_by: str) -> None:
        as_json, as_text = self.ci(co)
        assert as_json.code == 1, as_json.stderr
        [finding] = as_json.json()["findings"]
        assert finding["exposure"] == "pushed"
        assert finding["exposure_detail"]["published_by"] == published_by
        assert finding["exposure_detail"]["only_in"] is None
        first = finding["remediation"][0]["text"]
        assert first.startswith("Revoke it first: this key has been pushed "
                                f"(reachable from {published_by})"), first
        assert "reflog" not in as_text.stdout and "Do not push yet" not in as_text.stdout
        assert "exposure: pushed" in as_text.stdout and "Revoke it first" in as_text.stdout
        assert self.key not in as_json.stdout + as_text.stdout


@pytest.fixture
def pr(tmp_path: Path, git_home: Path) -> PullRequest:
    return PullRequest(tmp_path, git_home)


def test_actions_checkout_default_merge_commit(pr: PullRequest) -> None:
    # what actions/checkout runs for a pull_request event with fetch-depth 1
    co = init_repo(pr.tmp / "ci", pr.home)
    co.git("remote", "add", "origin", pr.server.path.as_uri())
    co.git("fetch", "-q", "--no-tags", "--prune", "--no-recurse-submodules", "--depth=1",
           "origin", f"+{pr.merge}:refs/remotes/pull/7/merge")
    co.git("checkout", "-q", "--force", "refs/remotes/pull/7/merge")
    assert co.git("rev-parse", "--is-shallow-repository") == "true"
    pr.assert_pushed(co, "origin/pull/7/head")


def test_depth_one_clone_detached_at_the_head_commit(pr: PullRequest) -> None:
    # `git clone --depth=1` (origin/main only), then the PR's head by id, detached
    co = Repo(pr.tmp / "clone", pr.home)
    Repo(pr.tmp, pr.home).git("clone", "-q", "--depth=1", pr.server.path.as_uri(),
                              str(co.path))
    co.git("fetch", "-q", "--depth=1", "origin", pr.head)
    co.git("checkout", "-q", "--detach", pr.head)
    assert co.git("for-each-ref", "--format=%(refname)", "refs/remotes/") \
        .splitlines() == ["refs/remotes/origin/HEAD", "refs/remotes/origin/main"]
    pr.assert_pushed(co, "origin/pull/7/head")


def test_outside_ci_a_range_head_is_not_assumed_pushed(pr: PullRequest) -> None:
    # `psguard ci --range` on a developer's machine: nothing says the head was pushed
    dev = Repo(pr.tmp / "dev", pr.home)
    dev.git("checkout", "-q", "-b", "local-only", pr.base)
    dev.write("secret.py", f'KEY = "{pr.key}"\n')
    dev.commit("local", "secret.py")
    run = run_psguard("ci", "--format", "json", "--range", f"{pr.base}..HEAD",
                      cwd=dev.path, env={"HOME": str(pr.home)})
    assert run.code == 1, run.stderr
    [finding] = run.json()["findings"]
    assert finding["exposure"] == "local"
