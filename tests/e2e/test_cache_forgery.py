"""Cache integrity (issue 19): writing a file cannot make psguard skip a key.

The history caches live in the repository's git directory, where anything that can
write the repository can write them. An attacker who appends the key's blob id to
the clean list, or replaces the caches with crafted ones (the old unsealed layout,
or the sealed layout without the user's key), must not hide the key: the next scan
still finds it (exit 1) and says in one line that it ignored the cache. Caches in
the user's cache directory are not trusted when that directory lies inside the
scanned repository.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from psguard.testing import Repo, make_key, run_psguard
from psguard.testing.poolside_fake import FakePoolside

CACHE_NAME = re.compile(r"(clean|located)-v\d+-(.+)\.(bin|json)$")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "xdg-cache")}


@pytest.fixture
def cached(repo: Repo, env: dict[str, str]) -> tuple[Repo, str, str]:
    """A history with a key in one blob, scanned once so the caches are written.
    Returns the repo, the key, and the id of the blob holding it."""
    key = make_key()
    for i in range(30):
        repo.write(f"docs/page{i}.md", f"page {i}\n")
    repo.write("app/settings.py", f'POOLSIDE_API_KEY = "{key}"\n')
    repo.commit("initial")
    first = run_psguard("scan", "--history", str(repo.path), env=env)
    assert first.code == 1, first.stderr
    assert list((repo.path / ".git" / "psguard").iterdir())
    return repo, key, repo.git("rev-parse", "HEAD:app/settings.py")


def _cache_files(repo: Repo, kind: str) -> list[tuple[Path, str]]:
    """(path, rule-set version) of each cache file of this kind psguard wrote."""
    found = []
    for path in (repo.path / ".git" / "psguard").iterdir():
        m = CACHE_NAME.match(path.name)
        if m and m.group(1) == kind:
            found.append((path, m.group(2)))
    assert found, kind
    return found


def _all_ids(repo: Repo) -> bytes:
    listing = repo.git("cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
    return b"".join(bytes.fromhex(oid) for oid in listing.split())


def _forge_clean(repo: Repo, attack: str, blob: str) -> None:
    """Make every clean list (each psguard wrote, and one in each layout's name) say
    that every object, the key's blob too, is clean."""
    ids = _all_ids(repo)
    for path, version in _cache_files(repo, "clean"):
        if attack == "append":
            with path.open("ab") as fh:
                fh.write(bytes.fromhex(blob))
        elif attack == "old-format":  # the unsealed layout: bare ids
            path.write_bytes(ids)
            (path.parent / f"clean-v1-{version}.bin").write_bytes(ids)
        else:  # the sealed layout (MAC, id width, ids) under a key that is not the user's
            forged = os.urandom(32) + bytes([20]) + ids
            path.write_bytes(forged)
            (path.parent / f"clean-v2-{version}.bin").write_bytes(forged)


def _forge_located(repo: Repo) -> None:
    """Locate caches that say: same objects as last time, nothing left to read."""
    from psguard.git.locate import stash_tips
    from psguard.git.snapshot import open_snapshot
    from psguard.sources.blobcache import odb_fingerprint, refs_state

    snap = open_snapshot(repo.path)
    data = json.dumps({"state": refs_state(snap, stash_tips(snap)), "missing": [],
                       "located": {}, "odb": odb_fingerprint(snap.common_dir),
                       "pending": [], "counts": {"commits": 1, "blobs": 31}}).encode()
    for path, version in _cache_files(repo, "located"):
        path.write_bytes(data if path.suffix == ".json" else os.urandom(32) + data)
        (path.parent / f"located-v1-{version}.json").write_bytes(data)
        (path.parent / f"located-v2-{version}.bin").write_bytes(os.urandom(32) + data)


@pytest.mark.parametrize("attack", ["append", "old-format", "sealed-without-the-key"])
def test_a_forged_clean_list_does_not_hide_a_key(cached: tuple[Repo, str, str],
                                                 env: dict[str, str], attack: str) -> None:
    repo, key, blob = cached
    _forge_clean(repo, attack, blob)
    repo.write("later.txt", "a new commit: the object listing runs again\n")
    repo.commit("later")
    run = run_psguard("scan", "--history", "--format", "json", str(repo.path), env=env)
    assert run.code == 1, run.stdout + run.stderr
    assert [f["secret"]["redacted"][-4:] for f in run.json()["findings"]] == [key[-4:]]
    assert run.stderr.count("psguard: notice: ignoring") == 1, run.stderr
    again = run_psguard("scan", "--history", str(repo.path), env=env)  # resealed
    assert again.code == 1 and "notice" not in again.stderr, again.stderr


@pytest.mark.parametrize("attack", ["old-format", "sealed-without-the-key"])
def test_forged_caches_that_say_nothing_is_left_to_read_are_ignored(
        cached: tuple[Repo, str, str], env: dict[str, str], attack: str) -> None:
    repo, key, blob = cached
    _forge_clean(repo, attack, blob)
    _forge_located(repo)
    run = run_psguard("scan", "--history", str(repo.path), env=env)
    assert run.code == 1, run.stdout + run.stderr
    assert key[-4:] in run.stdout and "no Poolside keys found" not in run.stdout
    assert "psguard: notice: ignoring" in run.stderr


def test_a_cache_key_inside_the_scanned_repository_is_never_used(repo: Repo) -> None:
    """XDG_CACHE_HOME pointed into the checkout: the repository could ship the key and
    caches sealed with it, so there is no history cache at all."""
    from psguard.cachekey import KEY_BYTES, seal

    key = make_key()
    repo.write("app/settings.py", f'POOLSIDE_API_KEY = "{key}"\n')
    repo.commit("initial")
    planted = repo.path / ".cache" / "psguard" / "private" / "cache-key"
    planted.parent.mkdir(parents=True, mode=0o700)
    secret = os.urandom(KEY_BYTES)
    planted.write_bytes(secret)
    planted.chmod(0o600)
    env = {"XDG_CACHE_HOME": str(repo.path / ".cache")}
    run = run_psguard("scan", "--history", str(repo.path), env=env)
    assert run.code == 1, run.stderr
    assert "not using the history cache" in run.stderr and "inside the scanned" in run.stderr
    assert not (repo.path / ".git" / "psguard").exists()
    # Caches sealed with the planted key for every rule-set version psguard could use.
    from psguard.rules.loader import load_rules
    from psguard.version import __version__

    version = f"{load_rules().version}-{__version__}"
    ids = _all_ids(repo)
    cache = repo.path / ".git" / "psguard"
    cache.mkdir()
    (cache / f"clean-v2-{version}.bin").write_bytes(
        seal(secret, f"clean-v2\0{version}", b"\x14" + ids))
    run = run_psguard("scan", "--history", str(repo.path), env=env)
    assert run.code == 1 and key[-4:] in run.stdout, run.stderr


@pytest.fixture
def api() -> Iterator[FakePoolside]:
    with FakePoolside() as server:
        yield server


def test_a_verification_cache_inside_the_scanned_repository_is_not_trusted(
        repo: Repo, api: FakePoolside, tmp_path: Path) -> None:
    """A checkout that holds $XDG_CACHE_HOME/psguard/verify-v1.json saying its key was
    rejected must not turn a live key into a dead one (--fail-on live would pass)."""
    from psguard.verify.cache import entry_key
    from psguard.verify.endpoints import normalize_endpoint

    key = make_key()
    api.know(key)
    repo.write("app/settings.py", f'POOLSIDE_API_KEY = "{key}"\n')
    now = time.time()
    entry = {"outcome": "rejected", "detail": "401", "code": 401, "checked_at": now,
             "expires": now + 86400}
    planted = repo.path / ".cache" / "psguard" / "verify-v1.json"
    planted.parent.mkdir(parents=True)
    planted.write_text(json.dumps({"version": 1, "entries": {
        entry_key(key, normalize_endpoint(api.url, "test")): entry}}))
    env = {"XDG_CACHE_HOME": str(repo.path / ".cache"),
           "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "PSGUARD_ENDPOINTS": api.url,
           "PSGUARD_CA_BUNDLE": ""}
    run = run_psguard("scan", "--verify", "--fail-on", "live", "--format", "json",
                      str(repo.path), env=env)
    assert run.code == 1, run.stdout + run.stderr
    assert [f["verification"]["status"] for f in run.json()["findings"]] == ["live"]
    assert api.count(key) == 1
    assert "verification cache" in run.stderr and "inside the scanned" in run.stderr
