"""Concurrent runs and damaged caches: results stay correct, caches repair themselves.

- Two history scans of one repository at once share its blob cache (.git/psguard/).
- Two verifications at once share the verification cache ($XDG_CACHE_HOME/psguard/).
- A run killed (SIGKILL) at any moment, and cache files that are truncated, empty or
  garbage: the next run reports what `--no-cache` reports, and leaves a valid cache.
"""

from __future__ import annotations

import hashlib
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

from psguard.testing import GIT_ENV, Repo, make_key, run_psguard
from psguard.testing.poolside_fake import FakePoolside


def env_line(key: str) -> str:
    return f"POOLSIDE_API_KEY={key}\n"


def _popen(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    full = dict(os.environ)
    full.update(GIT_ENV)
    full["NO_COLOR"] = "1"
    full.update(env or {})
    return subprocess.Popen([sys.executable, "-m", "psguard", *args], env=full,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _summary(stdout: bytes) -> Any:
    """What a history report says, minus timings and cache-dependent counters."""
    report = json.loads(stdout)
    return (report["scan"]["complete"],
            sorted((p["kind"], p["target"]) for p in report["scan"]["problems"]),
            sorted((f["secret"]["sha256"], f["exposure"], json.dumps(f["first_seen"]),
                    sorted(json.dumps(loc, sort_keys=True) for loc in f["locations"]))
                   for f in report["findings"]))


def _history_repo(repo: Repo, blobs: int = 3000) -> list[str]:
    """A history with keys in a few blobs and a message, and many clean blobs, built
    with fast-import (seconds would go into thousands of `git commit`s)."""
    keys = [make_key() for _ in range(4)]
    stream: list[str] = []
    commands = []
    for i in range(blobs):
        body = f"clean file {i}\n" + "x" * (i % 97) + "\n"
        stream += ["blob", f"mark :{i + 1}", f"data {len(body.encode())}", body]
        commands.append(f"M 100644 :{i + 1} dir{i % 30}/f{i}.txt")
    for j, key in enumerate(keys[:3]):
        body = f"# config {j}\n" + env_line(key)
        stream += ["blob", f"mark :{blobs + j + 1}", f"data {len(body.encode())}", body]
        commands.append(f"M 100644 :{blobs + j + 1} conf/{j}.env")
    message = f"bulk\n\nPOOLSIDE_API_KEY={keys[3]}\n"
    stream += ["commit refs/heads/main", "committer Ada <ada@example.invalid> 1700000000 +0000",
               f"data {len(message.encode())}", message, *commands, ""]
    repo.git("fast-import", "--quiet", input="\n".join(stream) + "\n")
    repo.git("reset", "-q", "--hard", "main")
    repo.write("later.txt", "later\n")
    repo.commit("later")
    return keys


def _cache_files(repo: Repo) -> dict[str, Path]:
    d = repo.path / ".git" / "psguard"
    return {p.name.split("-v2-")[0]: p for p in d.glob("*-v2-*")} if d.exists() else {}


def assert_valid_blob_cache(repo: Repo) -> None:
    """Both caches are there, sealed with this user's key, and hold what they should."""
    from psguard.cachekey import user_key
    from psguard.sources.blobcache import BlobCache, LocateCache

    files = _cache_files(repo)
    version = files["clean"].name[len("clean-v2-"):-len(".bin")]
    key, _ = user_key()
    assert key is not None
    git_dir = repo.path / ".git"
    cache, ok = BlobCache.load(git_dir, version, key)
    assert ok and cache.clean
    listing = repo.git("cat-file", "--batch-all-objects", "--batch-check=%(objectname) "
                       "%(objecttype)").splitlines()
    blobs = {bytes.fromhex(line.split()[0]) for line in listing if line.endswith(" blob")}
    # every blob but the three holding keys is recorded clean
    assert len(blobs - cache.clean) == 3, len(blobs - cache.clean)
    located, ok = LocateCache.load(git_dir, version, key)
    assert ok and located is not None and located.state


@pytest.fixture
def history(repo: Repo) -> Iterator[tuple[Repo, Any]]:
    _history_repo(repo)
    ref = run_psguard("scan", "--history", "--no-cache", "--format", "json", str(repo.path))
    assert ref.code == 1, ref.stderr
    yield repo, _summary(ref.stdout.encode())


def test_two_history_scans_at_once_share_the_blob_cache(history: tuple[Repo, Any]) -> None:
    repo, reference = history
    assert len(reference[2]) == 4
    for _round in range(3):  # cold cache, then warm, then warm again
        procs = [_popen("scan", "--history", "--format", "json", str(repo.path))
                 for _ in range(2)]
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 1, err.decode()
            assert _summary(out) == reference
        assert_valid_blob_cache(repo)
    assert not list((repo.path / ".git" / "psguard").glob(".tmp-*"))


DAMAGE = {
    "truncated": lambda raw: raw[: len(raw) // 2 + 7],
    "empty": lambda raw: b"",
    "garbage": lambda raw: os.urandom(1001),
    "wide-garbage": lambda raw: os.urandom(32 * 40),  # the width of SHA-256 ids
    "zero-ids": lambda raw: b"\0" * len(raw),
}
LOCATED_DAMAGE = {
    "truncated": lambda raw, name: raw[: len(raw) // 2],
    "empty": lambda raw, name: b"",
    "garbage": lambda raw, name: os.urandom(500),
    "not-an-object": lambda raw, name: b"[1, 2, 3]",
    "unsealed-edit": lambda raw, name: raw[:32] + raw[32:].replace(b'"', b"'", 1),
    # sealed with the user's own key, yet not the layout: the reader's own checks
    "wrong-types": lambda raw, name: _resealed(name, json.dumps(
        {"state": 5, "missing": "x", "located": []}).encode()),
    "bad-locations": lambda raw, name: _resealed(name, _bad_locations(raw[32:])),
}


def _resealed(name: str, payload: bytes) -> bytes:
    from psguard.cachekey import seal, user_key

    key, _ = user_key()
    assert key is not None
    version = name[len("located-v2-"):-len(".bin")]
    return seal(key, f"located-v2\0{version}", payload)


def _bad_locations(raw: bytes) -> bytes:
    data = json.loads(raw)
    data["located"] = {blob: [{"bogus": 1}] for blob in data["located"]} or {"ab": [{}]}
    data["pending"] = [["zz", "blob", "extra"]]
    return json.dumps(data).encode()


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_blob_cache_gives_the_same_findings_and_is_rewritten(
        history: tuple[Repo, Any], damage: str) -> None:
    repo, reference = history
    first = run_psguard("scan", "--history", "--format", "json", str(repo.path))
    assert _summary(first.stdout.encode()) == reference
    clean = _cache_files(repo)["clean"]
    clean.write_bytes(DAMAGE[damage](clean.read_bytes()))
    # A new commit changes the object store: the listing runs and sees the damage.
    repo.write("new.txt", "new\n")
    repo.commit("new")
    for _ in range(2):
        run = run_psguard("scan", "--history", "--format", "json", str(repo.path))
        assert run.code == 1, run.stderr
        assert _summary(run.stdout.encode())[2] == reference[2]
        assert "Traceback" not in run.stderr
    assert_valid_blob_cache(repo)


@pytest.mark.parametrize("damage", sorted(LOCATED_DAMAGE))
def test_damaged_locate_cache_gives_the_same_findings_and_is_rewritten(
        history: tuple[Repo, Any], damage: str) -> None:
    repo, reference = history
    run_psguard("scan", "--history", str(repo.path))
    located = _cache_files(repo)["located"]
    located.write_bytes(LOCATED_DAMAGE[damage](located.read_bytes(), located.name))
    for _ in range(2):  # the damaged read, then the rewritten cache
        run = run_psguard("scan", "--history", "--format", "json", str(repo.path))
        assert run.code == 1, run.stderr
        assert "Traceback" not in run.stderr
        assert _summary(run.stdout.encode()) == reference
    assert_valid_blob_cache(repo)


def test_history_scans_killed_at_any_moment_leave_a_usable_cache(
        history: tuple[Repo, Any]) -> None:
    repo, reference = history
    cache_dir = repo.path / ".git" / "psguard"
    for delay in (0.05, 0.2, 0.4, 0.7, 1.0, 1.5):
        proc = _popen("scan", "--history", "--format", "json", str(repo.path))
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        # A half-written temporary file, as a kill inside the write leaves one.
        cache_dir.mkdir(exist_ok=True)
        (cache_dir / f".tmp-killed{delay}").write_bytes(os.urandom(333))
        run = run_psguard("scan", "--history", "--format", "json", str(repo.path))
        assert run.code == 1, run.stderr
        assert _summary(run.stdout.encode()) == reference, delay
    assert_valid_blob_cache(repo)


# -- the verification cache ----------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[FakePoolside]:
    with FakePoolside(latency=0.02) as server:
        yield server


def _verify_env(tmp_path: Path, api: FakePoolside) -> dict[str, str]:
    config = tmp_path / "xdg-config" / "psguard" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[verify]\nbackoff = 0.05\nretries = 1\n")
    return {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
            "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"), "PSGUARD_ENDPOINTS": api.url,
            "PSGUARD_CA_BUNDLE": ""}


def _statuses(stdout: bytes, keys: list[str]) -> dict[str, str]:
    digest = {hashlib.sha256(k.encode()).hexdigest(): k for k in keys}
    return {digest[item["sha256"]]: item["verification"]["status"]
            for item in json.loads(stdout)["keys"]}


def _verify_cache(env: dict[str, str]) -> dict[str, Any]:
    path = Path(env["XDG_CACHE_HOME"]) / "psguard" / "verify-v1.json"
    data = json.loads(path.read_text())
    assert isinstance(data["entries"], dict)
    return data["entries"]


def test_two_verifications_at_once_share_the_cache_and_damage_is_repaired(
        tmp_path: Path, api: FakePoolside) -> None:
    env = _verify_env(tmp_path, api)
    live = [make_key() for _ in range(6)]
    dead = [make_key() for _ in range(6)]
    api.know(*live)
    keys = live + dead
    expected = {k: ("live" if k in live else "rejected") for k in keys}
    # Two processes, overlapping key sets, same cache file.
    halves = [keys[:8], keys[4:]]
    procs = [_popen("verify", "--format", "json", env=env) for _ in halves]
    outs = [p.communicate("".join(k + "\n" for k in half).encode(), timeout=120)
            for p, half in zip(procs, halves, strict=True)]
    for (out, err), half in zip(outs, halves, strict=True):
        assert _statuses(out, half) == {k: expected[k] for k in half}, err.decode()
    entries = _verify_cache(env)
    assert entries  # valid JSON, whichever process wrote last
    # A third run fills in whatever a racing writer dropped; then all come from cache.
    run = run_psguard("verify", "--format", "json", input="".join(k + "\n" for k in keys),
                      env=env)
    assert _statuses(run.stdout.encode(), keys) == expected
    assert len(_verify_cache(env)) == len(keys)
    before = api.count()
    run = run_psguard("verify", "--format", "json", input="".join(k + "\n" for k in keys),
                      env=env)
    assert _statuses(run.stdout.encode(), keys) == expected
    assert api.count() == before

    path = Path(env["XDG_CACHE_HOME"]) / "psguard" / "verify-v1.json"
    good = path.read_bytes()
    damaged = {
        "truncated": good[: len(good) // 2],
        "garbage": os.urandom(400),
        "empty": b"",
        "wrong-shape": b'{"entries": [1, 2]}',
        "wrong-entries": json.dumps({"version": 1, "entries": {
            e: {"outcome": "live", "expires": "never", "checked_at": None}
            for e in json.loads(good)["entries"]}}).encode(),
        "odd-values": json.dumps({"version": 1, "entries": {
            e: dict(v, code="x", detail=["y"])
            for e, v in json.loads(good)["entries"].items()}}).encode(),
    }
    for name, data in damaged.items():
        path.write_bytes(data)
        run = run_psguard("verify", "--format", "json",
                          input="".join(k + "\n" for k in keys), env=env)
        assert "Traceback" not in run.stderr, (name, run.stderr)
        assert _statuses(run.stdout.encode(), keys) == expected, name
        if name != "odd-values":
            assert len(_verify_cache(env)) == len(keys), name
        for k in keys:
            assert k not in path.read_text(errors="replace")


def test_verification_killed_mid_run_leaves_a_usable_cache(
        tmp_path: Path, api: FakePoolside) -> None:
    env = _verify_env(tmp_path, api)
    keys = [make_key() for _ in range(20)]
    api.know(*keys[:10])
    expected = {k: ("live" if i < 10 else "rejected") for i, k in enumerate(keys)}
    for delay in (0.1, 0.3, 0.6):
        proc = _popen("verify", "--format", "json", env=env)
        assert proc.stdin is not None
        proc.stdin.write("".join(k + "\n" for k in keys).encode())
        proc.stdin.close()
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            assert pipe is not None
            pipe.close()
        run = run_psguard("verify", "--format", "json",
                          input="".join(k + "\n" for k in keys), env=env)
        assert _statuses(run.stdout.encode(), keys) == expected, delay


RULES_DAMAGE = {
    **{name: DAMAGE[name] for name in ("truncated", "empty", "garbage")},
    # A well-formed entry for some other text under this text's name: must not be used.
    "other-text": lambda raw: __import__("marshal").dumps((1, "version = 1\n", {"rule": []})),
    "wrong-shape": lambda raw: __import__("marshal").dumps([1, 2, 3]),
}


@pytest.mark.parametrize("damage", sorted(RULES_DAMAGE))
def test_damaged_rules_cache_gives_the_same_findings_and_is_rewritten(
        tmp_path: Path, damage: str) -> None:
    """The parsed built-in rules are cached in $XDG_CACHE_HOME/psguard (start-up time);
    a damaged or foreign entry is never trusted."""
    import marshal

    import psguard.rules

    key = make_key()
    (tmp_path / "app.env").write_text(env_line(key))
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = run_psguard("scan", "--format", "json", str(tmp_path / "app.env"), env=env)
    assert first.code == 1, first.stderr
    entries = list((tmp_path / "cache" / "psguard").glob("rules-*.marshal"))
    assert len(entries) == 1
    entries[0].write_bytes(RULES_DAMAGE[damage](entries[0].read_bytes()))
    for _ in range(2):
        run = run_psguard("scan", "--format", "json", str(tmp_path / "app.env"), env=env)
        assert run.code == 1, run.stderr
        assert [f["id"] for f in run.json()["findings"]] == \
            [f["id"] for f in first.json()["findings"]]
        assert "Traceback" not in run.stderr
    builtin = (Path(psguard.rules.__file__).parent / "poolside.toml").read_text()
    _fmt, text, data = marshal.loads(entries[0].read_bytes())
    assert text == builtin and data["rule"]  # rewritten from the real rule file


GATE_DAMAGE = {
    **{name: DAMAGE[name] for name in ("truncated", "empty", "garbage")},
    "wrong-shape": lambda raw: __import__("marshal").dumps([1, 2, 3]),
    # well-formed, but every needle list given classes that place no window
    "no-windows": lambda raw: __import__("marshal").dumps(
        (1, {k: {} for k in __import__("marshal").loads(raw)[1]})),
}


@pytest.mark.parametrize("damage", sorted(GATE_DAMAGE))
def test_damaged_gate_cache_gives_the_same_findings(tmp_path: Path, damage: str) -> None:
    """The prefilter's window search is cached in $XDG_CACHE_HOME/psguard (start-up
    time); whatever the entry holds, every key is still found, plain and encoded."""
    import base64
    from urllib.parse import quote

    key = make_key()
    line = env_line(key)
    (tmp_path / "plain.env").write_text(line)
    (tmp_path / "b64.txt").write_bytes(base64.b64encode(line.encode()) + b"\n")
    (tmp_path / "pct.txt").write_text(quote(line, safe="") + "\n")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    args = ("scan", "--format", "json", "--no-repo-config", str(tmp_path))
    first = run_psguard(*args, env=env)
    assert first.code == 1, first.stderr
    places = sorted(loc["path"] for f in first.json()["findings"] for loc in f["locations"])
    assert places == ["b64.txt", "pct.txt", "plain.env"]
    entries = list((tmp_path / "cache" / "psguard").glob("gate-windows-*.marshal"))
    assert len(entries) == 1
    entries[0].write_bytes(GATE_DAMAGE[damage](entries[0].read_bytes()))
    run = run_psguard(*args, env=env)
    assert run.code == 1, run.stderr
    assert run.json()["findings"] == first.json()["findings"]
    assert "Traceback" not in run.stderr
