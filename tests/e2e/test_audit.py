"""`psguard audit` on Dask distributed, with real parts on loopback: repositories served
by `git daemon` and smart HTTP, a real scheduler and two workers started as processes,
the fake Poolside API. One cluster for the module; the embedded LocalCluster is also
real (two worker processes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from psguard.testing import init_repo, make_key, run_psguard
from psguard.testing.daskproc import DaskProcesses
from psguard.testing.gitserve import FlakyProxy, HttpGitServer, git_daemon
from psguard.testing.hosting_fake import FakeHosting
from psguard.testing.poolside_fake import FakePoolside
from psguard.testing.repos import GIT_ENV


class Fleet:
    """Bare repositories under `served`: a and b share one key, c has another."""

    def __init__(self, root: Path) -> None:
        self.served = root / "served"
        self.served.mkdir(parents=True)
        self.shared, self.single = make_key(), make_key()
        home = root / "home"
        self._make(root, home, "a", {"app.py": f'KEY = "{self.shared}"\n'})
        self._make(root, home, "b", {"README.md": "b\n",
                                     "deploy.sh": f"export POOLSIDE_API_KEY={self.shared}\n"})
        self._make(root, home, "c", {"conf.env": f"POOLSIDE_API_KEY={self.single}\n"})

    def _make(self, root: Path, home: Path, name: str, files: dict[str, str]) -> None:
        repo = init_repo(root / "work" / name, home)
        for rel, text in files.items():
            repo.write(rel, text)
            repo.commit(f"add {rel}")
        repo.git("clone", "-q", "--bare", str(repo.path), str(self.served / f"{name}.git"))


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return Fleet(tmp_path_factory.mktemp("fleet"))


@pytest.fixture(scope="module")
def daemon(fleet: Fleet) -> Iterator[str]:
    with git_daemon(fleet.served) as base:
        yield base


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskProcesses]:
    cluster = DaskProcesses(tmp_path_factory.mktemp("dask"), workers=2)
    try:
        yield cluster
    finally:
        cluster.close()


def _audit(*args: str) -> Any:
    return run_psguard("audit", *args, timeout=600)


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A JSON report without what differs between two runs of the same audit: times."""
    repos = [{k: v for k, v in r.items() if k != "stats"} for r in report["repositories"]]
    return {"findings": report["findings"], "repositories": repos,
            "complete": report["scan"]["complete"], "problems": report["scan"]["problems"]}


def test_one_finding_per_key_embedded_and_on_a_scheduler(
        fleet: Fleet, daemon: str, dask_cluster: DaskProcesses, tmp_path: Path) -> None:
    urls = [f"{daemon}/{n}.git" for n in ("a", "b", "c", "missing")]
    embedded = _audit(*urls, "--format", "json", "--workers", "2",
                      "--mirror-dir", str(tmp_path / "m1"))
    assert embedded.code == 1, embedded.stderr  # keys found, and one repository failed
    report = embedded.json()
    by_key = {f["secret"]["redacted"]: f for f in report["findings"]}
    assert set(by_key) == {f"ps-…{fleet.shared[-4:]}", f"ps-…{fleet.single[-4:]}"}
    shared = by_key[f"ps-…{fleet.shared[-4:]}"]
    assert shared["repositories"] == urls[:2]
    assert [(loc["repository"], loc["path"]) for loc in shared["locations"]] == [
        (urls[0], "app.py"), (urls[1], "deploy.sh")]
    assert shared["first_seen"]["repository"] in urls[:2]
    assert by_key[f"ps-…{fleet.single[-4:]}"]["repositories"] == [urls[2]]
    statuses = [(r["url"], r["status"], r["detail"]) for r in report["repositories"]]
    assert statuses == [(urls[0], "scanned", None), (urls[1], "scanned", None),
                        (urls[2], "scanned", None), (urls[3], "failed", "not found")]
    assert report["scan"]["complete"] is False
    assert fleet.shared not in embedded.stdout + embedded.stderr

    remote = _audit(*urls, "--format", "json", "--scheduler", dask_cluster.address,
                    "--mirror-dir", str(tmp_path / "m2"))
    assert remote.code == 1, remote.stderr
    assert _comparable(remote.json()) == _comparable(report)


def test_a_failed_repository_makes_the_audit_incomplete_never_clean(
        fleet: Fleet, daemon: str, dask_cluster: DaskProcesses, tmp_path: Path) -> None:
    home = tmp_path / "home"
    clean = init_repo(tmp_path / "clean", home)
    clean.write("README.md", "nothing here\n")
    clean.commit("readme")
    run = _audit(str(clean.path), f"{daemon}/missing.git", "--scheduler",
                 dask_cluster.address, "--mirror-dir", str(tmp_path / "m"))
    assert run.code == 3, run.stderr
    assert "no Poolside keys found" in run.stdout
    assert f"failed: {daemon}/missing.git: repository not scanned (not found" in run.stdout


def test_same_key_in_several_repositories_is_verified_once(
        fleet: Fleet, daemon: str, dask_cluster: DaskProcesses, tmp_path: Path) -> None:
    urls = [f"{daemon}/{n}.git" for n in ("a", "b", "c")]
    with FakePoolside() as api:
        api.know(fleet.shared)
        # raw keys come back over loopback: verified in the auditing process
        here = _audit(*urls, "--verify", "--endpoint", api.url, "--no-cache", "--scheduler",
                      dask_cluster.address, "--format", "json",
                      "--mirror-dir", str(tmp_path / "m1"))
        counts = (api.count(fleet.shared), api.count(fleet.single))
        # keys stay on the workers: each verified where it was found, still once
        there = _audit(*urls, "--verify", "--endpoint", api.url, "--no-cache", "--scheduler",
                       dask_cluster.address, "--keys-stay-on-workers", "--format", "json",
                       "--mirror-dir", str(tmp_path / "m2"))
        counts_there = (api.count(fleet.shared), api.count(fleet.single))
    assert counts == (1, 1) and counts_there == (2, 2)
    for run in (here, there):
        assert run.code == 1, run.stderr
        status = {f["secret"]["redacted"][-4:]: f["verification"]["status"]
                  for f in run.json()["findings"]}
        assert status == {fleet.shared[-4:]: "live", fleet.single[-4:]: "rejected"}


def _bare_copies(fleet: Fleet, into: Path, suffix: str = "") -> None:
    """Bare copies of the served repositories a, b and c (named a{suffix}.git, …)."""
    for name in "abc":
        subprocess.run(["git", "clone", "-q", "--bare", str(fleet.served / f"{name}.git"),
                        str(into / f"{name}{suffix}.git")], check=True,
                       env={**os.environ, **GIT_ENV})


def test_a_worker_killed_mid_audit_loses_nothing(
        fleet: Fleet, dask_cluster: DaskProcesses, tmp_path: Path) -> None:
    """Six repositories behind a slow server: both workers are mid-clone when one is
    killed; its repositories are rerun on the other, and every one is in the report."""
    for n in range(2):  # copies of a, b and c under other names
        _bare_copies(fleet, tmp_path / "slow", suffix=str(n))
    mirrors = tmp_path / "mirrors"
    with HttpGitServer(tmp_path / "slow", delay=0.3) as server:
        urls = [f"{server.url}/{name}{n}.git" for n in range(2) for name in "abc"]
        args = [sys.executable, "-m", "psguard", "audit", *urls, "--format", "json",
                "--scheduler", dask_cluster.address, "--mirror-dir", str(mirrors)]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "NO_COLOR": "1"})
        victim = dask_cluster.workers[0].pid
        deadline = time.monotonic() + 120
        while not any(p.name.endswith(f".partial-{victim}") for p in _entries(mirrors)):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        os.kill(victim, signal.SIGKILL)  # mid-clone: its partial mirror stays behind
        out, err = proc.communicate(timeout=600)
    dask_cluster.workers[0].wait(timeout=30)
    dask_cluster.add_worker()  # back to two for any later test
    assert proc.returncode == 1, err.decode()
    report = json.loads(out)
    assert [(r["url"], r["status"]) for r in report["repositories"]] == [
        (url, "scanned") for url in urls]
    found = {f["secret"]["redacted"][-4:]: f for f in report["findings"]}
    assert found.keys() == {fleet.shared[-4:], fleet.single[-4:]}
    shared = [u for u in urls if u.rsplit("/", 1)[1][0] in "ab"]
    assert found[fleet.shared[-4:]]["repositories"] == shared
    assert [loc["repository"] for loc in found[fleet.shared[-4:]]["locations"]] == shared
    assert found[fleet.single[-4:]]["repositories"] == [u for u in urls if u not in shared]


def _entries(folder: Path) -> list[Path]:
    return list(folder.iterdir()) if folder.is_dir() else []


def test_github_organisation_paginated_rate_limited_filtered(
        fleet: Fleet, daemon: str, dask_cluster: DaskProcesses, tmp_path: Path) -> None:
    """The organisation's repositories come from the API (three pages, the second rate
    limited once); forks and archived ones are skipped; the token is never shown."""
    token = "ghp_" + make_key()[3:23]
    repos = [{"name": "a", "url": f"{daemon}/a.git", "fork": False, "archived": False},
             {"name": "fork", "url": f"{daemon}/c.git", "fork": True, "archived": False},
             {"name": "b", "url": f"{daemon}/b.git", "fork": False, "archived": False},
             {"name": "old", "url": f"{daemon}/c.git", "fork": False, "archived": True},
             {"name": "c", "url": f"{daemon}/c.git", "fork": False, "archived": False}]
    with FakeHosting(token, repos, rate_limit_page=2) as api:
        run = run_psguard("audit", "--github-org", "acme", "--api-url", api.url,
                          "--scheduler", dask_cluster.address, "--format", "json",
                          "--mirror-dir", str(tmp_path / "m"),
                          env={"GITHUB_TOKEN": token}, timeout=600)
    assert run.code == 1, run.stderr
    assert [r["url"] for r in run.json()["repositories"]] == [
        f"{daemon}/{n}.git" for n in "abc"]
    assert api.pages_asked() == [1, 2, 2, 3]
    assert "rate limit reached; waiting 1 s" in run.stderr
    assert token not in run.stdout + run.stderr


def test_ctrl_c_stops_cleanly_and_a_rerun_resumes_from_the_mirrors(
        fleet: Fleet, dask_cluster: DaskProcesses, tmp_path: Path) -> None:
    _bare_copies(fleet, tmp_path / "slow")
    mirrors = tmp_path / "mirrors"
    with HttpGitServer(tmp_path / "slow", delay=0.3) as server:
        urls = [f"{server.url}/{name}.git" for name in "abc"]
        args = [sys.executable, "-m", "psguard", "audit", *urls, "--scheduler",
                dask_cluster.address, "--mirror-dir", str(mirrors), "--format", "json"]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "NO_COLOR": "1"})
        deadline = time.monotonic() + 120
        while not [p for p in _entries(mirrors) if p.suffix == ".git"
                   and not p.name.startswith(".")]:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        done = {p.name: p.stat().st_ino for p in _entries(mirrors)
                if p.suffix == ".git" and not p.name.startswith(".")}
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, err.decode()
        assert out == b"" and b"Traceback" not in err  # no report from a stopped audit
        assert err.decode().splitlines()[-2:] == [
            "psguard: interrupted; run the same audit again to resume (mirrors and blob "
            "caches are kept)", "psguard: interrupted"]
        again = _audit(*urls, "--scheduler", dask_cluster.address, "--mirror-dir",
                       str(mirrors), "--format", "json")
    assert again.code == 1, again.stderr
    assert [r["status"] for r in again.json()["repositories"]] == ["scanned"] * 3
    # the mirrors cloned before the interrupt were fetched into, not cloned again
    assert {name: (mirrors / name).stat().st_ino for name in done} == done


def test_network_failures_are_retried_then_reported(
        fleet: Fleet, daemon: str, dask_cluster: DaskProcesses, tmp_path: Path) -> None:
    """A connection dropped once is retried (the repository is scanned); one dropped
    every time fails as `network` after the retries."""
    port = int(daemon.rsplit(":", 1)[1])
    with FlakyProxy(port, drop=1) as flaky, FlakyProxy(port, drop=1000) as dead:
        urls = [f"git://127.0.0.1:{flaky.port}/a.git", f"git://127.0.0.1:{dead.port}/c.git"]
        run = _audit(*urls, "--scheduler", dask_cluster.address, "--format", "json",
                     "--mirror-dir", str(tmp_path / "m"))
    assert run.code == 1, run.stderr
    repos = run.json()["repositories"]
    assert [(r["status"], r["detail"]) for r in repos] == [("scanned", None),
                                                            ("failed", "network")]
    assert dead.connections == 3  # one try and two retries
