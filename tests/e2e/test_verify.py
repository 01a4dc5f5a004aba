"""`--verify` and `psguard verify` end to end against a local fake of the Poolside API.

Every psguard run is a subprocess with its own XDG_CONFIG_HOME / XDG_CACHE_HOME, and
endpoints always point at servers on 127.0.0.1: no test ever talks to the internet.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from psguard.testing import Repo, Run, make_key, run_psguard
from psguard.testing.poolside_fake import FakePoolside


@pytest.fixture
def api() -> Iterator[FakePoolside]:
    with FakePoolside() as server:
        yield server


@pytest.fixture
def elsewhere() -> Iterator[FakePoolside]:
    """A host the user never configured: it must never receive a request."""
    with FakePoolside() as server:
        yield server


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    """A private user config and cache directory, and no endpoint from the outer env."""
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
           "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
           "PSGUARD_ENDPOINTS": "", "PSGUARD_CA_BUNDLE": ""}
    # Fast retries for tests; the defaults are documented in verify/endpoints.py.
    user_config(env, "backoff = 0.05\nretries = 2\n")
    return env


def user_config(env: dict[str, str], body: str) -> Path:
    path = Path(env["XDG_CONFIG_HOME"]) / "psguard" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[verify]\n" + body, encoding="utf-8")
    return path


def verify(keys: list[str], env: dict[str, str], *args: str) -> Run:
    return run_psguard("verify", "--format", "json", *args,
                       input="".join(k + "\n" for k in keys), env=env)


def by_key(run: Run, keys: list[str]) -> dict[str, dict[str, str | None]]:
    """raw key -> its verification object, matched through the sha256 in the output."""
    digest = {hashlib.sha256(k.encode()).hexdigest(): k for k in keys}
    return {digest[item["sha256"]]: item["verification"] for item in run.json()["keys"]}


def assert_never_leaked(keys: list[str], *texts: str) -> None:
    for text in texts:
        for k in keys:
            assert k not in text
            assert k[3:] not in text  # not even the body without its prefix


def cache_text(env: dict[str, str]) -> str:
    root = Path(env["XDG_CACHE_HOME"])
    return "".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())


def test_each_status_and_fault(api: FakePoolside, elsewhere: FakePoolside,
                               user_env: dict[str, str]) -> None:
    k = {name: make_key() for name in (
        "live", "restricted", "rejected", "busy", "retry_later", "too_long", "e500",
        "e503_once", "slow", "dropped", "redirect", "teapot")}
    api.know(k["live"])
    api.fault(k["restricted"], "restricted")
    api.fault(k["busy"], "retry_after", retry_after="0")  # 429 on every attempt
    api.fault(k["retry_later"], "fail_first", status=429, retry_after="1")
    api.fault(k["too_long"], "retry_after", retry_after="3600")
    api.fault(k["e500"], "status", status=500)
    api.fault(k["e503_once"], "fail_first", status=503)  # no Retry-After: backoff
    api.fault(k["slow"], "slow", delay=3)
    api.fault(k["dropped"], "drop")
    api.fault(k["redirect"], "redirect", location=elsewhere.url + "/models")
    api.fault(k["teapot"], "status", status=418)
    keys = list(k.values())
    run = verify(keys, user_env, "--endpoint", api.url, "--verify-timeout", "1")
    assert run.code == 1, run.stderr  # live keys fail `verify` by default
    v = {name: by_key(run, keys)[key] for name, key in k.items()}

    assert v["live"]["status"] == "live" and v["live"]["endpoint"] == api.url
    assert v["restricted"]["status"] == "live"
    assert "restricted" in v["restricted"]["detail"] and "403" in v["restricted"]["detail"]
    assert v["rejected"]["status"] == "rejected"
    assert "revoked" in v["rejected"]["detail"]
    assert "deployment that is not configured" in v["rejected"]["detail"]
    assert v["busy"]["status"] == "unknown" and "429" in v["busy"]["detail"]
    assert api.count(k["busy"]) == 3  # one try and two retries (retries = 2)
    assert v["retry_later"]["status"] == "live"
    first, second = api.times(k["retry_later"])
    assert second - first >= 0.9  # Retry-After: 1 was honoured
    assert v["too_long"]["status"] == "unknown" and "cap" in v["too_long"]["detail"]
    assert api.count(k["too_long"]) == 1
    assert v["e500"]["status"] == "unknown" and "500" in v["e500"]["detail"]
    assert api.count(k["e500"]) == 1  # 500 is not retried; 502/503/504 are
    assert v["e503_once"]["status"] == "live" and api.count(k["e503_once"]) == 2
    assert v["slow"]["status"] == "unknown" and "timeout" in v["slow"]["detail"]
    assert v["dropped"]["status"] == "unknown" and "dropped" in v["dropped"]["detail"]
    assert v["redirect"]["status"] == "unknown"
    assert "not followed" in v["redirect"]["detail"]
    assert v["teapot"]["status"] == "unknown" and "418" in v["teapot"]["detail"]

    # The redirect target was never contacted; each key was asked once (plus retries).
    assert elsewhere.count() == 0
    for name in ("live", "restricted", "rejected", "slow", "dropped", "redirect", "teapot"):
        assert api.count(k[name]) == 1, name
    # Requests carry the key and a psguard User-Agent, nothing else (no cookies even
    # though the server sets one on every answer, no Accept headers).
    for seen in api.requests:
        assert seen.path == "/v1/models"
        assert set(seen.headers) <= {"host", "connection", "authorization", "user-agent"}
        assert seen.headers["user-agent"].startswith("psguard/")
    assert_never_leaked(keys, run.stdout, run.stderr, cache_text(user_env))


def test_scan_verify_reports_live_first_and_checks_each_key_once(
        repo: Repo, api: FakePoolside, user_env: dict[str, str]) -> None:
    live, dead = make_key(), make_key()
    api.know(live)
    for i in range(6):
        repo.write(f"svc{i}/.env", f"POOLSIDE_API_KEY={dead}\nBACKUP_KEY={live}\n"
                                   f"# again: poolside {live}\n")
    env = dict(user_env, PSGUARD_ENDPOINTS=api.url)
    run = run_psguard("scan", str(repo.path), "--verify", "--format", "json", env=env)
    assert run.code == 1, run.stderr
    findings = run.json()["findings"]
    assert [f["verification"]["status"] for f in findings] == ["live", "rejected"]
    assert findings[0]["secret"]["sha256"] == hashlib.sha256(live.encode()).hexdigest()
    assert findings[0]["verification"]["endpoint"] == api.url
    assert len(findings[0]["locations"]) == 12
    assert api.count(live) == 1 and api.count(dead) == 1 and api.count() == 2

    # The text report shows the status and the reason; --fail-on decides the exit code.
    text = run_psguard("scan", str(repo.path), "--verify", "--no-cache", env=env)
    assert text.code == 1
    lines = text.stdout.splitlines()
    first_live = next(i for i, line in enumerate(lines) if " live " in f"{line} ")
    first_rejected = next(i for i, line in enumerate(lines) if " rejected " in f"{line} ")
    assert first_live < first_rejected
    assert "verification: accepted by" in text.stdout and "revoked" in text.stdout
    api.behaviours.clear()  # the live key has been revoked meanwhile
    audit = run_psguard("scan", str(repo.path), "--verify", "--no-cache",
                        "--fail-on", "live,unknown", env=env)
    assert audit.code == 0, audit.stdout
    assert "live" not in audit.stdout.split("psguard:")[0].replace("revoked", "")
    assert_never_leaked([live, dead], run.stdout, run.stderr, text.stdout, text.stderr,
                        audit.stdout, audit.stderr, cache_text(user_env))


def test_hostile_repository_cannot_choose_where_keys_go(
        repo: Repo, api: FakePoolside, elsewhere: FakePoolside,
        user_env: dict[str, str]) -> None:
    key = make_key()
    api.know(key)
    elsewhere.know(key)
    repo.write(".env", f"POOLSIDE_BASE_URL={elsewhere.url}\nPOOLSIDE_API_KEY={key}\n")
    repo.write("client.py", f'BASE = "{elsewhere.url}"  # poolside\n'
                            f'openai_base_url = "{elsewhere.url}"\n')
    # The repository turns verification on (allowed) and names an endpoint (ignored).
    repo.write(".psguard.toml", f'verify = true\nendpoints = ["{elsewhere.url}"]\n')
    # ...and plants a user config, should the user's XDG_CONFIG_HOME point into it.
    planted = repo.path / "xdg" / "psguard" / "config.toml"
    planted.parent.mkdir(parents=True)
    planted.write_text(f'[verify]\nendpoints = ["{elsewhere.url}"]\n')

    # A proxy in the environment is not used for a loopback endpoint either.
    proxy = f"http://127.0.0.1:{elsewhere.port}"
    env = dict(user_env, PSGUARD_ENDPOINTS=api.url, HTTP_PROXY=proxy, HTTPS_PROXY=proxy,
               ALL_PROXY=proxy, http_proxy=proxy, https_proxy=proxy)
    run = run_psguard("scan", str(repo.path), "--format", "json", env=env)
    assert run.code == 1
    [finding] = run.json()["findings"]
    assert finding["verification"]["status"] == "live"
    assert finding["verification"]["endpoint"] == api.url
    assert "ignoring 'endpoints'" in run.stderr
    assert api.count() == 1

    env = dict(user_env, XDG_CONFIG_HOME=str(repo.path / "xdg"))
    env.pop("PSGUARD_ENDPOINTS")
    run = run_psguard("scan", str(repo.path), "--format", "json", "--endpoint", api.url,
                      "--no-cache", env=env)
    assert "inside the scanned directory" in run.stderr
    assert run.json()["findings"][0]["verification"]["status"] == "live"
    assert api.count() == 2
    assert elsewhere.count() == 0
    assert_never_leaked([key], run.stdout, run.stderr)


def test_user_config_endpoints_and_multiple_deployments(
        api: FakePoolside, elsewhere: FakePoolside, user_env: dict[str, str]) -> None:
    # Two deployments the user configured: Poolside-hosted and a self-hosted one.
    self_hosted = elsewhere
    hosted_key, own_key, nobodys, flaky = (make_key() for _ in range(4))
    api.know(hosted_key)
    self_hosted.know(own_key)
    self_hosted.fault(flaky, "status", status=500)
    user_config(user_env, f'endpoints = ["{api.url}", "{self_hosted.url}/"]\nretries = 0\n')
    keys = [hosted_key, own_key, nobodys, flaky]
    run = verify(keys, user_env)
    v = by_key(run, keys)
    assert v[hosted_key]["status"] == "live" and v[hosted_key]["endpoint"] == api.url
    assert v[own_key]["status"] == "live" and v[own_key]["endpoint"] == self_hosted.url
    assert v[nobodys]["status"] == "rejected"
    assert "every configured endpoint" in v[nobodys]["detail"]
    assert v[flaky]["status"] == "unknown" and "500" in v[flaky]["detail"]
    # Once per key and endpoint; a key accepted by the first is not sent to the second.
    assert api.count() == 4 and all(api.count(k) == 1 for k in keys)
    assert self_hosted.count(hosted_key) == 0
    assert [self_hosted.count(k) for k in (own_key, nobodys, flaky)] == [1, 1, 1]
    assert_never_leaked(keys, run.stdout, run.stderr)


def test_deadline_leaves_the_rest_unknown(api: FakePoolside,
                                          user_env: dict[str, str]) -> None:
    quick, *slow = (make_key() for _ in range(4))
    api.know(quick)
    for k in slow:
        api.fault(k, "slow", delay=4)
    keys = [quick, *slow]
    run = verify(keys, user_env, "--endpoint", api.url, "--verify-timeout", "10",
                 "--verify-deadline", "1")
    v = by_key(run, keys)
    assert v[quick]["status"] == "live"
    for k in slow:
        assert v[k]["status"] == "unknown" and "deadline" in v[k]["detail"]
    assert "deadline (1 s) reached; 3 key(s) left unknown" in run.stderr
    assert_never_leaked(keys, run.stdout, run.stderr)


def test_cache_reuses_answers_without_storing_keys(api: FakePoolside,
                                                   user_env: dict[str, str]) -> None:
    live, dead, broken = make_key(), make_key(), make_key()
    api.know(live)
    api.fault(broken, "status", status=502)
    keys = [live, dead, broken]
    args = ("--endpoint", api.url)
    first = verify(keys, user_env, *args)
    assert api.count() == 1 + 1 + 3  # 502 is retried (retries = 2)
    second = verify(keys, user_env, *args)
    v = by_key(second, keys)
    assert v[live]["status"] == "live" and "cached" in v[live]["detail"]
    assert v[dead]["status"] == "rejected" and "cached" in v[dead]["detail"]
    assert api.count(live) == 1 and api.count(dead) == 1
    assert api.count(broken) == 6  # unknown answers are never cached

    files = [p for p in Path(user_env["XDG_CACHE_HOME"]).rglob("*") if p.is_file()]
    assert files and all(p.stat().st_mode & 0o077 == 0 for p in files)
    stored = cache_text(user_env)
    for k in keys:  # neither the key nor a plain hash of it (the report's sha256)
        assert hashlib.sha256(k.encode()).hexdigest() not in stored
    assert_never_leaked(keys, stored, first.stdout, first.stderr, second.stdout)

    verify(keys, user_env, *args, "--no-cache")
    assert api.count(live) == 2 and api.count(dead) == 2

    # A configurable TTL: live answers not kept at all, rejected ones still are.
    user_config(user_env, "cache_ttl_live = 0\nretries = 0\n")
    verify([live, dead], user_env, *args)
    verify([live, dead], user_env, *args)
    assert api.count(live) == 4 and api.count(dead) == 2


def test_https_with_a_test_ca(tmp_path: Path, user_env: dict[str, str]) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    import ssl

    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_ctx)
    bundle = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    live, dead = make_key(), make_key()
    with FakePoolside(tls_context=server_ctx) as tls_api:
        tls_api.know(live)
        keys = [live, dead]
        assert tls_api.url.startswith("https://")
        env = dict(user_env, PSGUARD_CA_BUNDLE=str(bundle))
        run = verify(keys, env, "--endpoint", tls_api.url)
        v = by_key(run, keys)
        assert v[live]["status"] == "live" and v[dead]["status"] == "rejected"
        assert tls_api.count() == 2
        # Without the test CA the certificate is not trusted: unknown, with the reason.
        untrusted = verify(keys, user_env, "--endpoint", tls_api.url, "--no-cache")
        for status in by_key(untrusted, keys).values():
            assert status["status"] == "unknown"
            assert "TLS error" in str(status["detail"])
            assert "certificate" in str(status["detail"]).lower()
        assert_never_leaked(keys, run.stdout, run.stderr, untrusted.stdout, untrusted.stderr)


@pytest.mark.parametrize("url, message", [
    ("http://inference.poolside.ai/v1", "plain HTTP"),
    ("ftp://127.0.0.1/v1", "not an http(s) URL"),
    ("https://user:pw@example.invalid/v1", "user name or password"),
])
def test_unsafe_endpoints_are_refused(url: str, message: str,
                                      user_env: dict[str, str]) -> None:
    key = make_key()
    run = verify([key], user_env, "--endpoint", url)
    assert run.code == 2
    assert run.stderr.startswith("psguard: error: --endpoint:") and message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    env = dict(user_env, PSGUARD_ENDPOINTS=url)
    run = run_psguard("scan", "--stdin", "--verify", input=f"poolside key {key}\n", env=env)
    assert run.code == 2 and "PSGUARD_ENDPOINTS" in run.stderr
    assert_never_leaked([key], run.stdout, run.stderr)


def test_verify_reads_stdin_never_argv(api: FakePoolside, user_env: dict[str, str]) -> None:
    key = make_key()
    api.know(key)
    run = run_psguard("verify", "--endpoint", api.url, key, env=user_env)
    assert run.code == 2 and "standard input" in run.stderr
    assert_never_leaked([key], run.stdout, run.stderr)
    assert api.count() == 0

    # Text output: one line per key, redacted; comments, blanks and non-keys handled.
    text = run_psguard("verify", "--endpoint", api.url, env=user_env,
                       input=f"# my keys\n\n  {key}  \nBearer {key}\nnot-a-key-at-all\n")
    assert text.code == 1
    lines = text.stdout.splitlines()
    assert lines[0].startswith(f"ps-…{key[-4:]}  live  accepted by {api.url}")
    assert "not checked  not a Poolside key" in lines[1] and len(lines) == 2
    assert api.count() == 1
    none = run_psguard("verify", "--endpoint", api.url, env=user_env, input="\n")
    assert none.code == 2 and "no keys" in none.stderr

    # Exit codes: live fails by default; --fail-on chooses.
    dead = make_key()
    assert run_psguard("verify", "--endpoint", api.url, env=user_env,
                       input=dead + "\n").code == 0
    assert run_psguard("verify", "--endpoint", api.url, "--fail-on", "rejected",
                       env=user_env, input=dead + "\n").code == 1


def test_no_request_without_verify(repo: Repo, api: FakePoolside,
                                   user_env: dict[str, str]) -> None:
    key = make_key()
    repo.write("settings.py", f'POOLSIDE_API_KEY = "{key}"\n')
    env = dict(user_env, PSGUARD_ENDPOINTS=api.url)
    run = run_psguard("scan", str(repo.path), "--format", "json", "--endpoint", api.url,
                      env=env)
    assert run.json()["findings"][0]["verification"]["status"] == "not_checked"
    assert "--endpoint has no effect without --verify" in run.stderr
    assert api.count() == 0
    # A bad endpoint setting only matters when verification runs.
    bad = dict(env, PSGUARD_ENDPOINTS="http://api.example.invalid/v1")
    assert run_psguard("scan", str(repo.path), env=bad).code == 1
    refused = run_psguard("scan", str(repo.path), "--verify", env=bad)
    assert refused.code == 2 and "plain HTTP" in refused.stderr
    # The user's own config can turn it on for every scan.
    user_config(env, "enabled = true\n")
    run = run_psguard("scan", str(repo.path), "--format", "json", env=env)
    assert run.json()["findings"][0]["verification"]["status"] == "rejected"
    assert api.count() == 1
    assert os.path.exists(Path(user_env["XDG_CACHE_HOME"]) / "psguard")


# text and json are covered by the tests above.
@pytest.mark.parametrize("fmt", ["sarif", "junit", "github", "markdown"])
def test_every_report_format_shows_the_status(fmt: str, repo: Repo, api: FakePoolside,
                                              user_env: dict[str, str]) -> None:
    live, dead = make_key(), make_key()
    api.know(live)
    repo.write("a_first.env", f"POOLSIDE_API_KEY={dead}\n")
    repo.write("z_last.env", f"POOLSIDE_API_KEY={live}\n")
    env = dict(user_env, PSGUARD_ENDPOINTS=api.url)
    run = run_psguard("scan", str(repo.path), "--verify", "--format", fmt, env=env)
    assert run.code == 1, run.stderr
    out = run.stdout
    assert "live" in out and "rejected" in out
    if fmt == "markdown":  # live keys first, whatever the file order
        assert out.index(f"…{live[-4:]}") < out.index(f"…{dead[-4:]}")
    assert api.count() == 2
    assert_never_leaked([live, dead], run.stdout, run.stderr)


def test_concurrency_and_rate_are_bounded(api: FakePoolside,
                                          user_env: dict[str, str]) -> None:
    keys = [make_key() for _ in range(9)]
    for k in keys:
        api.fault(k, "slow", delay=0.2)
    user_config(user_env, "concurrency = 3\n")
    run = verify(keys, user_env, "--endpoint", api.url)
    assert all(v["status"] == "live" for v in by_key(run, keys).values())
    assert api.max_in_flight == 3

    # 4 requests a second per endpoint: a burst of 4, then one every 0.25 s.
    with FakePoolside() as limited:
        limited.know(*keys)
        user_config(user_env, "rate = 4\n")
        run = verify(keys[:6], user_env, "--endpoint", limited.url, "--no-cache")
        arrivals = sorted(r.at for r in limited.requests)
        assert len(arrivals) == 6 and arrivals[-1] - arrivals[0] >= 0.45


def test_connection_refused_is_unknown(user_env: dict[str, str]) -> None:
    import socket

    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    key = make_key()
    run = verify([key], user_env, "--endpoint", f"http://127.0.0.1:{port}/v1")
    assert run.code == 0
    v = by_key(run, [key])[key]
    assert v["status"] == "unknown" and "connection failed" in str(v["detail"])
    assert_never_leaked([key], run.stdout, run.stderr)
