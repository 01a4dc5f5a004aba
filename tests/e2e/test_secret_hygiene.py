"""Secret hygiene across everything psguard does.

One test runs every command (scan of the work tree, staged changes, history, a range and
stdin; baseline create and update; verify; the three hooks; ci; install and the hooks it
installs) in every report format, to standard output and to --output files, with keys
that the fake Poolside API calls live, rejected and unknown, and through error paths
(a key on verify's command line, broken config and baseline files that contain a key).
No raw key, nor a key's body without its prefix, may appear in standard output,
standard error, report files, cache files, baseline files or error text. Then one run
with --show-secrets shows that the same check does catch a key when one is printed.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from psguard.testing import Run, init_repo, make_key, run_psguard
from psguard.testing.poolside_fake import FakePoolside

FORMATS = ["text", "json", "sarif", "junit", "github", "markdown", "gitlab", "html"]


@pytest.fixture
def api() -> Iterator[FakePoolside]:
    with FakePoolside() as server:
        yield server


class Leaks:
    """Everything psguard wrote, checked against every key."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self.texts: list[tuple[str, str]] = []

    def run(self, label: str, *args: str, **kw: object) -> Run:
        result = run_psguard(*args, **kw)  # type: ignore[arg-type]
        assert "Traceback" not in result.stderr, (label, result.stderr)
        self.texts.append((f"{label} stdout", result.stdout))
        self.texts.append((f"{label} stderr", result.stderr))
        return result

    def files(self, label: str, *roots: Path) -> int:
        n = 0
        for root in roots:
            paths = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
            for path in paths:
                self.texts.append((f"{label} {path}", path.read_bytes().decode("latin-1")))
                n += 1
        return n

    def found(self) -> list[str]:
        return [f"{label}: {key[:6]}…" for label, text in self.texts for key in self.keys
                if key in text or key[3:] in text]


def test_no_raw_key_anywhere_unless_show_secrets(
        tmp_path: Path, git_home: Path, api: FakePoolside) -> None:
    names = ["pushed", "local", "message", "staged", "worktree", "encoded", "argv",
             "config", "baseline"]
    k = {name: make_key() for name in names}
    api.know(k["pushed"], k["encoded"])  # live
    api.fault(k["worktree"], "status", status=500)  # unknown; the rest are rejected
    xdg_config = tmp_path / "xdg-config"
    (xdg_config / "psguard").mkdir(parents=True)
    (xdg_config / "psguard" / "config.toml").write_text(
        "[verify]\nbackoff = 0.05\nretries = 1\n")
    cache = tmp_path / "xdg-cache"
    env = {"HOME": str(git_home), "XDG_CONFIG_HOME": str(xdg_config),
           "XDG_CACHE_HOME": str(cache), "PSGUARD_ENDPOINTS": api.url,
           "PSGUARD_CA_BUNDLE": ""}
    leaks = Leaks(list(k.values()))
    reports = tmp_path / "reports"
    reports.mkdir()

    # A repository where the keys sit everywhere a key can be.
    repo = init_repo(tmp_path / "repo", git_home)
    remote = repo.add_origin(tmp_path / "remote.git")
    repo.write("deploy.env", f"POOLSIDE_API_KEY={k['pushed']}\n")
    repo.commit("deploy")
    repo.git("rm", "-q", "deploy.env")
    repo.write("app.py", "print('hi')\n")
    repo.commit("remove the key")
    repo.git("push", "-q", "origin", "main")
    repo.write("local.env", f"POOLSIDE_API_KEY={k['local']}\n")
    repo.write("blob.yaml", "data: " + base64.b64encode(
        f"POOLSIDE_API_KEY={k['encoded']}\n".encode()).decode() + "\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", f"local work\n\ntoken: {k['message']}\n")
    repo.write("staged.env", f"POOLSIDE_API_KEY={k['staged']}\n")
    repo.git("add", "staged.env")
    repo.write("work.env", f"POOLSIDE_API_KEY={k['worktree']}\n")
    p = str(repo.path)

    # -- scans: every mode, every format, verified, to stdout and to files --------------
    modes = {"worktree": [], "staged": ["--staged"], "history": ["--history"],
             "range": ["--range", "origin/main..HEAD"], "since": ["--since", "origin/main"]}
    for mode, args in modes.items():
        for fmt in FORMATS:
            run = leaks.run(f"scan {mode} {fmt}", "scan", *args, "--verify", "--format", fmt,
                            p, env=env)
            assert run.code == 1, (mode, fmt, run.stderr)
        out = reports / f"{mode}.sarif"
        assert leaks.run(f"scan {mode} -o", "scan", *args, "--format", "sarif", "-o",
                         str(out), p, env=env).code == 1
    for fmt in FORMATS:
        assert leaks.run(f"scan history -o {fmt}", "scan", "--history", "--verify",
                         "--format", fmt, "--output", str(reports / f"history.{fmt}"), p,
                         env=env).code == 1
    stdin = "\n".join(f"key {v}" for v in k.values()) + "\n"
    for fmt in FORMATS:
        assert leaks.run(f"stdin {fmt}", "scan", "--stdin", "--verify", "--format", fmt,
                         input=stdin, env=env).code == 1
    # Statuses really were all three (live, rejected, unknown).
    run = leaks.run("statuses", "scan", "--history", "--verify", "--format", "json", p,
                    env=env)
    assert {f["verification"]["status"] for f in run.json()["findings"]} >= {
        "live", "rejected"}
    run = leaks.run("unknown", "scan", "--verify", "--no-cache", "--format", "json", p,
                    env=env)
    assert "unknown" in {f["verification"]["status"] for f in run.json()["findings"]}

    # -- baselines ----------------------------------------------------------------------
    base = reports / "baseline.json"
    assert leaks.run("baseline create", "baseline", "create", "--history", "-o", str(base),
                     p, env=env).code == 0
    repo.write("more.env", f"POOLSIDE_API_KEY={make_key()}\n")
    assert leaks.run("baseline update", "baseline", "update", "-o", str(base), p,
                     env=env).code == 0
    assert leaks.run("scan --baseline", "scan", "--baseline", str(base), p,
                     env=env).code == 0
    leaks.keys.append(repo.path.joinpath("more.env").read_text().split("=")[1].strip())

    # -- verify -------------------------------------------------------------------------
    for fmt in ("text", "json"):
        leaks.run(f"verify {fmt}", "verify", "--format", fmt,
                  input="\n".join(k.values()) + "\n", env=env)
    run = leaks.run("verify argv", "verify", k["argv"], env=env)
    assert run.code == 2 and "standard input" in run.stderr
    for args in (["scan", "--format", k["argv"]], ["scan", "--fail-on", k["argv"]],
                 ["scan", "--min-confidence", k["argv"]], ["hook", k["argv"]]):
        assert leaks.run(f"bad argument {args[1]}", *args, env=env).code == 2

    # -- hooks, ci, install ---------------------------------------------------------------
    assert leaks.run("pre-commit", "hook", "pre-commit", cwd=repo.path, env=env).code == 1
    head = repo.git("rev-parse", "HEAD")
    pushed = repo.git("rev-parse", "origin/main")
    assert leaks.run("pre-push", "hook", "pre-push", "origin", str(remote.path),
                     cwd=repo.path, input=f"refs/heads/main {head} refs/heads/main {pushed}\n",
                     env=env).code == 1
    msg = tmp_path / "COMMIT_EDITMSG"
    msg.write_text(f"add things\n\nPOOLSIDE_API_KEY={k['message']}\n")
    assert leaks.run("commit-msg", "hook", "commit-msg", str(msg), cwd=repo.path,
                     env=env).code == 1
    for fmt in ("text", "markdown", "json", "github"):
        assert leaks.run(f"ci {fmt}", "ci", "--range", "origin/main..HEAD", "--no-fetch",
                         "--verify", "--format", fmt, "--summary",
                         str(reports / f"summary-{fmt}.md"), p, env=env).code == 1
    assert leaks.run("install", "install", p, env=env).code == 0
    for args in (["commit", "-m", "staged key"],
                 ["commit", "--allow-empty", "-m", f"msg {k['message']}"],
                 ["push", "origin", "main"]):
        proc_env = dict(repo.env, **env)
        import subprocess

        proc = subprocess.run(["git", *args], cwd=repo.path, env=proc_env,
                              capture_output=True, text=True)
        assert proc.returncode != 0, args
        leaks.texts.append((f"git {args[0]} via installed hook", proc.stdout + proc.stderr))

    # -- error paths ------------------------------------------------------------------------
    broken = tmp_path / "broken.toml"
    broken.write_text(f'exclude = ["x"\nkey = "{k["config"]}\n')
    run = leaks.run("broken --config", "scan", "--config", str(broken), p, env=env)
    assert run.code == 2
    broken.write_text(f'exclude = "{k["config"]}"\nmin_confidence = "{k["config"]}"\n')
    assert leaks.run("bad values --config", "scan", "--config", str(broken), p,
                     env=env).code == 2
    repo.write(".psguard.toml", f'[tool]\n{k["config"]} = 1\nverify = "{k["config"]}"\n')
    assert leaks.run("broken repo config", "scan", p, env=env).code == 2
    (repo.path / ".psguard.toml").unlink()
    user_config = xdg_config / "psguard" / "config.toml"
    good_user_config = user_config.read_text()
    for i, body in enumerate([f'"{k["config"]}" = 1\n',
                              f'endpoints = ["ftp://x.example.invalid/{k["config"]}"]\n',
                              f'endpoints = ["http://{k["config"]}.example.invalid/v1"]\n',
                              f'retries = "{k["config"]}"\n', f'{k["config"]}\n']):
        user_config.write_text("[verify]\n" + body)
        run = leaks.run(f"broken user config {i}", "scan", "--verify", p, env=env)
        assert run.code == 2, (body, run.stderr)
    user_config.write_text(good_user_config)
    repo.write(".psguard.toml", f'"{k["config"]}" = 1\n')
    assert leaks.run("unknown repo config key", "scan", p, env=env).code == 2
    (repo.path / ".psguard.toml").unlink()
    for url in (f"http://example.invalid/{k['config']}", f"ftp://{k['config']}/v1"):
        run = leaks.run(f"endpoint {url[:4]}", "verify", "--endpoint", url,
                        input=k["argv"] + "\n", env=env)
        assert run.code == 2, run.stderr
    bad_base = tmp_path / "bad-baseline.json"
    bad_base.write_text(f'{{"version": 1, "findings": [{{"sha256": "{k["baseline"]}"')
    assert leaks.run("broken baseline", "scan", "--baseline", str(bad_base), p,
                     env=env).code == 2
    (repo.path / ".psguardignore").write_text(f"{k['baseline']}\n\x00\xff garbage\n")
    leaks.run("odd ignore file", "scan", p, env=env)

    # -- every file psguard wrote -------------------------------------------------------------
    assert leaks.files("report", reports) >= 12
    assert leaks.files("history cache", repo.path / ".git" / "psguard") >= 2
    assert leaks.files("verify cache", cache) >= 1
    hooks = [h for h in (repo.path / ".git" / "hooks").iterdir() if not h.name.endswith(
        ".sample")]
    assert leaks.files("installed hooks", *hooks) >= 3
    assert leaks.found() == []

    # -- the check can fail: --show-secrets prints the keys -----------------------------
    (repo.path / ".psguardignore").unlink()
    run = leaks.run("show-secrets", "scan", "--history", "--show-secrets", "--format",
                    "json", p, env=env)
    assert run.code == 1, run.stderr
    assert leaks.found(), "--show-secrets should print the raw keys"
