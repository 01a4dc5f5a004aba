"""Blast radius (issue 20): a live key's answer tells what the key can reach (the models
it may use and, where the API says, which kind of key it is), in every report format.

Real CLI runs against the fake Poolside API over HTTPS on 127.0.0.1 (a test CA), with
the same one request per key that verification makes; the answer is a network peer's
and is shown bounded and escaped.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from psguard.testing import Repo, init_repo, make_key, run_psguard
from psguard.testing.poolside_fake import DEVELOPER_KEY, SERVICE_KEY, FakePoolside

HOSTILE = {"data": [{"id": "\x1b[31mred\x1b]8;;http://x\x07"},
                    {"id": "<img src=x onerror=alert(1)>"},
                    {"id": "::error file=a::forged%0Aline\n::warning::more"},
                    {"id": "x" * 5000}, {"id": 42}, "not an object"]
           + [{"id": f"m{i}"} for i in range(500)],
           "key": {"type": "`code` **bold** [link](javascript:alert(1))",
                   "scopes": [f"s{i}" for i in range(50)], "expires_at": "\u202etomorrow"}}


@pytest.fixture
def tls_api(tmp_path: Path) -> Iterator[tuple[FakePoolside, Path]]:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    bundle = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with FakePoolside(tls_context=server_ctx) as server:
        yield server, bundle


@pytest.fixture
def keys() -> dict[str, str]:
    return {name: make_key() for name in ("service", "developer", "hostile", "huge", "dead")}


@pytest.fixture
def repo(tmp_path: Path, git_home: Path, keys: dict[str, str]) -> Repo:
    work = init_repo(tmp_path / "work", git_home)
    for name, key in keys.items():
        work.write(f"{name}.env", f"POOLSIDE_API_KEY={key}\n")
    work.commit("keys")
    return work


def _scan(repo: Repo, api: FakePoolside, bundle: Path, tmp_path: Path, fmt: str,
          *extra: str) -> str:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PSGUARD_ENDPOINTS": "", "PSGUARD_CA_BUNDLE": str(bundle), "NO_COLOR": "1"}
    run = run_psguard("scan", "--verify", "--endpoint", api.url, "--format", fmt, *extra,
                      str(repo.path), env=env)
    assert run.code == 1, run.stderr  # live keys block
    assert "Traceback" not in run.stderr
    return run.stdout


def test_live_keys_show_what_they_reach_in_every_format(
        tls_api: tuple[FakePoolside, Path], repo: Repo, keys: dict[str, str],
        tmp_path: Path) -> None:
    api, bundle = tls_api
    assert api.url.startswith("https://")
    api.know(keys["service"], meta=SERVICE_KEY)
    api.know(keys["developer"], meta=DEVELOPER_KEY)
    api.fault(keys["hostile"], "ok", body=json.dumps(HOSTILE).encode())
    api.fault(keys["huge"], "ok", body=b'{"data": [' + b'{"id": "m"},' * 40000 + b'{}]}')

    report = json.loads(_scan(repo, api, bundle, tmp_path, "json"))
    for key in keys.values():
        assert api.count(key) == 1  # the one request verification makes, nothing more
    assert {r.path for r in api.requests} == {"/v1/models"}
    by_sha = {f["secret"]["sha256"]: f["verification"] for f in report["findings"]}
    from psguard.models import sha256_hex

    service = by_sha[sha256_hex(keys["service"])]
    assert service["status"] == "live"
    assert service["reach"] == {
        "models": ["poolside/malibu", "poolside/point", "poolside/malibu-agent",
                   "poolside/laguna-embed"], "models_total": 4,
        "key_type": "service account key", "key_name": "ci-deploy",
        "scopes": ["inference", "models:read"], "expires": "2027-06-30T00:00:00Z"}
    assert by_sha[sha256_hex(keys["developer"])]["reach"]["key_type"] == "developer key"
    assert by_sha[sha256_hex(keys["dead"])]["reach"] is None  # rejected: reaches nothing

    hostile = by_sha[sha256_hex(keys["hostile"])]["reach"]
    assert hostile["models_total"] == 504 and len(hostile["models"]) == 20
    assert all(len(m) <= 81 for m in hostile["models"])
    assert len(hostile["scopes"]) == 11  # ten and "…"
    for text in [*hostile["models"], *hostile["scopes"], hostile["key_type"],
                 hostile["expires"]]:
        assert not set(text) & set("\x1b\x07\n<>`*[]()%\u202e")

    huge = by_sha[sha256_hex(keys["huge"])]
    assert huge["status"] == "live" and huge["reach"] is None
    assert "models list was not read" in huge["detail"]

    # Every other format says the same (from the verification cache: still one request).
    shown = "4 models (poolside/malibu, poolside/point, poolside/malibu-agent, " \
            "poolside/laguna-embed); service account key; named ci-deploy; " \
            "scopes: inference, models:read; expires 2027-06-30T00:00:00Z"
    outputs = {fmt: _scan(repo, api, bundle, tmp_path, fmt)
               for fmt in ("text", "sarif", "gitlab", "junit", "github", "markdown")}
    assert api.count(keys["service"]) == 1
    assert f"Can reach: {shown}" in outputs["text"]
    assert f"Can reach: {shown}" in outputs["junit"]
    assert f"Can reach: {shown}." in outputs["github"]
    gitlab = json.loads(outputs["gitlab"])
    assert any(f"Can reach: {shown}." in v["description"] for v in gitlab["vulnerabilities"])
    sarif = json.loads(outputs["sarif"])["runs"][0]["results"]
    reach = [r["properties"].get("reach") for r in sarif]
    assert service["reach"] in reach and hostile in reach
    assert any(f"Can reach: {shown}." in r["message"]["text"] for r in sarif)
    assert "Can reach: 4 models (poolside/malibu, poolside/point" in outputs["markdown"]
    assert "service account key; named ci-deploy" in outputs["markdown"]
    assert "Can reach: 504 models" in outputs["text"]
    # Where the API said which kind of key it is, the revoke step names that one place.
    said = " ".join(outputs["text"].split())
    assert ("The API says it is a service account key: in Poolside, a service account key "
            "is revoked by an admin") in said
    assert ("The API says it is a developer key: in Poolside, a developer key is deleted "
            "from the user menu") in said
    assert "so look in both places" in said  # the keys whose kind is not known
    for fmt, out in outputs.items():
        assert "\x1b" not in out and "onerror=alert" not in out.replace("onerror?alert", ""), fmt
        assert "<img" not in out, fmt
        for key in keys.values():
            assert key not in out, fmt
    # The forged workflow command stays inside its annotation's message.
    assert not any(line.startswith("::warning::more")
                   for line in outputs["github"].splitlines())


def test_verify_command_prints_the_reach(tls_api: tuple[FakePoolside, Path],
                                         tmp_path: Path) -> None:
    api, bundle = tls_api
    key = make_key()
    api.know(key, meta=SERVICE_KEY)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PSGUARD_ENDPOINTS": "", "PSGUARD_CA_BUNDLE": str(bundle)}
    run = run_psguard("verify", "--endpoint", api.url, input=key + "\n", env=env)
    assert "(200); can reach: 4 models (poolside/malibu," in run.stdout
    assert len(run.stdout.splitlines()) == 1  # one line a key
    assert "service account key" in run.stdout and key not in run.stdout + run.stderr
