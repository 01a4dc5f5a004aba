"""`psguard ci` fetches into a shallow checkout without running any program the
checkout's own config names, over every transport that would run one (file, ssh, smart
HTTP with credentials, git://), and refuses ranges that git would read as options.

Each case: a CI checkout (depth 1, as actions/checkout makes it) whose .git/config names
a program that would leave a marker file; `psguard ci` for a pull request must fetch the
base and deepen the history, finish the scan, and never start the program.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from psguard.testing import Repo, init_repo, make_key, run_psguard
from psguard.testing.gitserve import HttpGitServer, basic_auth, fake_ssh, git_daemon

CI_VARS = ("GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_BASE_REF",
           "GITHUB_HEAD_REF", "GITHUB_REF", "GITHUB_SHA", "GITHUB_STEP_SUMMARY", "GITLAB_CI",
           "GIT_SSH", "GIT_SSH_COMMAND", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_PROXY_COMMAND",
           "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT")
USER, PASSWORD = "ci-bot", "s3cret-password"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_VARS:
        monkeypatch.delenv(name, raising=False)


class Project:
    """A server directory with one bare repository, a developer clone that pushed a
    pull request holding a key, and programs that must never run."""

    def __init__(self, tmp: Path, home: Path) -> None:
        self.tmp = tmp
        self.home = home
        self.srv = tmp / "srv"
        self.server = init_repo(self.srv / "project.git", home, bare=True)
        dev = init_repo(tmp / "dev", home)
        dev.git("remote", "add", "origin", self.server.path.as_uri())
        for i in range(4):
            dev.write(f"m{i}.py", f"x = {i}\n")
            dev.commit(f"work {i}", f"m{i}.py")
        dev.git("push", "-q", "origin", "main")
        self.base = dev.git("rev-parse", "main")
        dev.git("checkout", "-q", "-b", "feature")
        self.key = make_key()
        dev.write("app/settings.py", f'POOLSIDE_API_KEY = "{self.key}"\n')
        dev.commit("settings", "app/settings.py")
        dev.write("app/other.py", "y = 2\n")
        dev.commit("other", "app/other.py")
        dev.git("push", "-q", "origin", "feature")
        self.head = dev.git("rev-parse", "feature")
        self.bin = tmp / "bin"
        self.bin.mkdir()
        self.marks = tmp / "marks"
        self.marks.mkdir()

    def evil(self, name: str) -> str:
        """A program that leaves a marker named `name` (and fails)."""
        script = self.bin / name
        script.write_text(f"#!/bin/sh\ntouch '{self.marks / name}'\nexit 1\n",
                          encoding="utf-8")
        script.chmod(0o755)
        return str(script)

    def good(self, name: str, body: str) -> str:
        script = self.bin / name
        script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        script.chmod(0o755)
        return str(script)

    def ran(self) -> list[str]:
        return sorted(p.name for p in self.marks.iterdir())

    def checkout(self, url: str, config: dict[str, str]) -> Repo:
        """actions/checkout's default: one commit (the PR head), detached; then the
        remote URL and config under test."""
        co = init_repo(self.tmp / "ci", self.home)
        co.git("remote", "add", "origin", self.server.path.as_uri())
        co.git("fetch", "-q", "--no-tags", "--depth=1", "origin", self.head)
        co.git("checkout", "-q", "--detach", self.head)
        co.git("remote", "set-url", "origin", url)
        for name, value in config.items():
            co.git("config", "--add", name, value)
        return co

    def ci(self, co: Repo, *args: str, env: dict[str, str] | None = None):
        event = self.tmp / "event.json"
        event.write_text(json.dumps({"number": 7, "pull_request": {
            "number": 7, "base": {"ref": "main", "sha": self.base},
            "head": {"ref": "feature", "sha": self.head}}}), encoding="utf-8")
        full = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
                "GITHUB_EVENT_PATH": str(event), "GITHUB_BASE_REF": "main",
                "GITHUB_REF": "refs/pull/7/merge", "HOME": str(self.home),
                "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}"}
        full.update(env or {})
        return run_psguard("ci", "--format", "json", *args, cwd=co.path, env=full)

    def assert_scanned(self, run) -> None:
        assert run.code == 1, run.stderr
        report = run.json()
        assert report["scan"]["complete"] is True
        assert [f["secret"]["redacted"][-4:] for f in report["findings"]] == [self.key[-4:]]
        assert self.key not in run.stdout + run.stderr
        assert "git fetch" in run.stderr  # the checkout really needed a fetch


@pytest.fixture
def project(tmp_path: Path, git_home: Path) -> Project:
    return Project(tmp_path, git_home)


def test_file_remote_upload_pack_from_config_is_not_run(project: Project) -> None:
    co = project.checkout(project.server.path.as_uri(),
                          {"remote.origin.uploadpack": project.evil("uploadpack")})
    run = project.ci(co)
    assert project.ran() == []
    project.assert_scanned(run)


def test_ssh_command_and_variant_from_config_are_not_used(project: Project) -> None:
    log = project.tmp / "ssh.log"
    ssh = fake_ssh(project.tmp / "trusted", log)  # the CI's own ssh, from the environment
    co = project.checkout(f"ssh://ci-host{project.server.path}", {
        "core.sshCommand": project.evil("ssh-command"),
        "ssh.variant": "tortoiseplink",  # would make git pass `-batch`
        "remote.origin.uploadpack": project.evil("uploadpack")})
    run = project.ci(co, env={"GIT_SSH": str(ssh)})
    assert project.ran() == []
    project.assert_scanned(run)
    calls = log.read_text(encoding="utf-8").splitlines()
    assert calls and all("-batch" not in c for c in calls)
    assert any("git-upload-pack" in c for c in calls)


@pytest.fixture
def http_server(project: Project) -> Iterator[HttpGitServer]:
    with HttpGitServer(project.srv, basic_auth(USER, PASSWORD)) as server:
        yield server


def test_http_credential_helpers_and_askpass_from_config_are_not_run(
        project: Project, http_server: HttpGitServer) -> None:
    url = f"{http_server.url}/project.git"
    # trusted: the user name from the global config's helper, the password from the
    # environment's SSH_ASKPASS
    (project.home / ".gitconfig").write_text(
        '[credential]\n\thelper = "!f() { echo username=' + USER + '; }; f"\n',
        encoding="utf-8")
    askpass = project.good("trusted-askpass", f"echo '{PASSWORD}'")
    co = project.checkout(url, {"credential.helper": project.evil("credential-helper"),
                                f"credential.{http_server.url}.helper":
                                    project.evil("credential-url-helper"),
                                "core.askPass": project.evil("askpass")})
    run = project.ci(co, env={"SSH_ASKPASS": askpass})
    assert project.ran() == []
    project.assert_scanned(run)
    assert basic_auth(USER, PASSWORD) in http_server.seen


def test_http_credentials_from_the_environment_config_are_kept(
        project: Project, http_server: HttpGitServer) -> None:
    helper = project.good("env-helper", f"echo username={USER}; echo password={PASSWORD}")
    co = project.checkout(f"{http_server.url}/project.git",
                          {"credential.helper": project.evil("credential-helper")})
    run = project.ci(co, env={"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "credential.helper",
                              "GIT_CONFIG_VALUE_0": helper})
    assert project.ran() == []
    project.assert_scanned(run)


def test_http_extraheader_of_actions_checkout_is_kept(
        project: Project, http_server: HttpGitServer) -> None:
    # actions/checkout persists its token as http.<url>.extraheader in .git/config; it
    # names no program, and without it a private repository cannot be fetched
    co = project.checkout(f"{http_server.url}/project.git", {
        f"http.{http_server.url}/.extraheader":
            f"AUTHORIZATION: {basic_auth(USER, PASSWORD)}",
        "credential.helper": project.evil("credential-helper")})
    run = project.ci(co)
    assert project.ran() == []
    project.assert_scanned(run)


def test_git_proxy_from_config_is_not_run(project: Project) -> None:
    with git_daemon(project.srv) as base:
        co = project.checkout(f"{base}/project.git",
                              {"core.gitProxy": project.evil("git-proxy")})
        run = project.ci(co)
    assert project.ran() == []
    project.assert_scanned(run)


@pytest.mark.parametrize("how", ["vcs", "helper-url", "scheme-url", "insteadof"])
def test_remote_helper_named_by_config_is_refused(project: Project, how: str) -> None:
    project.evil("git-remote-evil")  # on PATH: what `vcs = evil` or `evil::` would run
    uri = project.server.path.as_uri()
    if how == "vcs":
        co = project.checkout(uri, {"remote.origin.vcs": "evil"})
    elif how == "helper-url":
        co = project.checkout(f"evil::{uri}", {})
    elif how == "scheme-url":
        co = project.checkout(f"evil://{project.server.path}", {})
    else:  # the repository's config rewrites a harmless-looking URL
        co = project.checkout("https://example.invalid/project.git",
                              {"url.evil::file://.insteadOf": "https://example.invalid"})
    run = project.ci(co)
    assert project.ran() == []
    assert run.code == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("psguard: error: ")
    assert "evil" in lines[0] and "Traceback" not in run.stderr


@pytest.mark.parametrize("template", [
    "HEAD~1..--upload-pack={cmd}",
    "--upload-pack={cmd}..HEAD",
    "main..-c",
    "main..HEAD --upload-pack={cmd}",
    "main..HEAD\tx",
    "main..HEAD\nx",
    "main..HEAD\x1b[31m",
])
def test_hostile_range_is_a_usage_error(project: Project, template: str) -> None:
    co = project.checkout(project.server.path.as_uri(), {})
    spec = template.format(cmd=project.evil("range-command"))
    run = project.ci(co, f"--range={spec}")
    assert project.ran() == []
    assert run.code == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "--range" in lines[0], run.stderr
    assert "\x1b" not in run.stderr and "git fetch" not in run.stderr
