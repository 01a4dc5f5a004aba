"""The conventions users bring from other scanners (issue 20): -q/-v, colour, path
globs, short forms, a report-only exit code, and GitLab's secret-detection report
checked against what GitLab's published schema requires."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema

from psguard.testing import GIT_ENV, Repo, make_key, run_in_terminal, run_psguard

_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"}
_TOOL = {"type": "object", "required": ["id", "name", "version", "vendor"]}
# What GitLab's secret-detection report schema (15.x) requires, written down here from
# its published rules (the schema file itself is not vendored into this repository).
GITLAB_REQUIRED = {
    "type": "object",
    "required": ["scan", "version", "vulnerabilities"],
    "properties": {
        "version": {"type": "string", "pattern": r"^[0-9]+\.[0-9]+\.[0-9]+$"},
        "scan": {
            "type": "object",
            "required": ["analyzer", "end_time", "scanner", "start_time", "status", "type"],
            "properties": {"analyzer": _TOOL, "scanner": _TOOL, "start_time": _TIME,
                           "end_time": _TIME, "status": {"enum": ["success", "failure"]},
                           "type": {"enum": ["secret_detection"]}},
        },
        "vulnerabilities": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "identifiers", "location"],
            "properties": {
                "identifiers": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["type", "name", "value"]}},
                "location": {"type": "object", "required": ["commit"], "properties": {
                    "file": {"type": "string"}, "start_line": {"type": "integer"},
                    "commit": {"type": "object", "required": ["sha"]}}},
            }}},
    },
}


def _two_keys(repo: Repo) -> tuple[str, str]:
    app, vendored = make_key(), make_key()
    repo.write("app/settings.env", f"POOLSIDE_API_KEY={app}\n")
    repo.write("vendor/lib/conf.env", f"POOLSIDE_API_KEY={vendored}\n")
    repo.commit("two keys")
    return app, vendored


def _sha(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()


def test_quiet_prints_nothing_and_the_exit_code_tells(repo: Repo, tmp_path: Path) -> None:
    _two_keys(repo)
    run = run_psguard("scan", "--quiet", str(repo.path))
    assert (run.code, run.stdout, run.stderr) == (1, "", "")
    report = tmp_path / "r.json"
    run = run_psguard("scan", "-q", "-f", "json", "-o", str(report), str(repo.path))
    assert (run.code, run.stdout, run.stderr) == (1, "", "")
    assert len(json.loads(report.read_text())["findings"]) == 2


def test_verbose_says_what_was_scanned_whatever_the_format(repo: Repo) -> None:
    _two_keys(repo)
    run = run_psguard("scan", "--verbose", "--format", "json", "--history", str(repo.path))
    assert run.code == 1
    assert json.loads(run.stdout)["findings"]  # the report is untouched
    assert (f"psguard: history scan of {repo.path}: 0 files, 2 blobs, 1 commit ("
            in run.stderr)
    assert "; 2 findings, 0 suppressed, 0 problems" in run.stderr
    assert "psguard: 2 Poolside keys in 2 places" in run.stderr


def test_exclude_and_include_globs_on_the_command_line(repo: Repo) -> None:
    app, vendored = _two_keys(repo)
    for mode in ([], ["--history"], ["--staged"]):
        if mode == ["--staged"]:
            repo.write("app/new.env", f"K={make_key()}\n")
            repo.write("vendor/new.env", f"K={make_key()}\n")
            repo.git("add", ".")
            wanted = {"app/new.env"}
        else:
            wanted = {"app/settings.env"}
        run = run_psguard("scan", *mode, "--exclude", "vendor/", "-f", "json",
                          str(repo.path))
        paths = {loc["path"] for f in run.json()["findings"] for loc in f["locations"]}
        assert paths == wanted, (mode, paths)
        run = run_psguard("scan", *mode, "--include", "app/**", "-f", "json",
                          str(repo.path))
        paths = {loc["path"] for f in run.json()["findings"] for loc in f["locations"]}
        assert paths == wanted, (mode, paths)
    assert app and vendored


def test_exit_zero_reports_but_does_not_fail(repo: Repo) -> None:
    _two_keys(repo)
    run = run_psguard("scan", "--exit-zero", str(repo.path))
    assert run.code == 0
    assert "psguard: 2 Poolside keys in 2 places" in run.stdout
    assert "Report only (--exit-zero): this run exits 0 whatever it finds" in run.stdout
    assert run.stderr.startswith("psguard: warning: Report only (--exit-zero)")
    # a usage error still fails
    assert run_psguard("scan", "--exit-zero", "--range", "main", str(repo.path)).code == 2


def test_no_color_and_NO_COLOR_turn_colour_off_on_a_terminal(repo: Repo) -> None:
    _two_keys(repo)
    env = {**os.environ, **GIT_ENV, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    coloured = run_in_terminal(["scan", str(repo.path)], repo.path, env)
    assert "\x1b[" in coloured and "Poolside keys" in coloured
    plain = run_in_terminal(["scan", "--no-color", str(repo.path)], repo.path, env)
    assert "Poolside keys" in plain and "\x1b[" not in plain
    plain = run_in_terminal(["scan", str(repo.path)], repo.path, {**env, "NO_COLOR": "1"})
    assert "Poolside keys" in plain and "\x1b[" not in plain


def test_gitlab_report_has_what_gitlabs_schema_requires(repo: Repo, tmp_path: Path) -> None:
    schema = GITLAB_REQUIRED
    app, vendored = _two_keys(repo)
    dangling = make_key()
    repo.git("hash-object", "-w", "--stdin", input=f"K={dangling}\n")
    loose = make_key()
    repo.write("scratch.txt", f"{loose}\n")  # not committed: no commit to name
    out = tmp_path / "gl-secret-detection-report.json"
    history = run_psguard("scan", "--history", "-f", "gitlab", "-o", str(out),
                          str(repo.path))
    assert history.code == 1, history.stderr
    report = json.loads(out.read_text())
    jsonschema.validate(report, schema)
    assert report["scan"]["type"] == "secret_detection"
    vulns = report["vulnerabilities"]
    assert len(vulns) == 3 and len({v["id"] for v in vulns}) == 3
    files = {v["location"]["file"] for v in vulns}
    assert {"app/settings.env", "vendor/lib/conf.env"} <= files
    assert any(f.startswith("blob ") and "(in no commit)" in f for f in files)
    assert all(v["location"]["commit"]["sha"] for v in vulns)
    text = out.read_text()
    for key in (app, vendored, dangling):
        assert key not in text and key[-4:] in text
    worktree = run_psguard("scan", "--format", "gitlab", str(repo.path))
    report = json.loads(worktree.stdout)
    jsonschema.validate(report, schema)
    scratch = next(v for v in report["vulnerabilities"]
                   if v["location"]["file"] == "scratch.txt")
    assert scratch["location"]["commit"]["sha"] == "0" * 40
    assert scratch["location"]["start_line"] == 1
    # the same finding keeps its id from one pipeline to the next
    again = json.loads(run_psguard("scan", "--format", "gitlab", str(repo.path)).stdout)
    assert [v["id"] for v in again["vulnerabilities"]] == \
        [v["id"] for v in report["vulnerabilities"]]
    shown = run_psguard("scan", "--format", "gitlab", "--show-secrets", str(repo.path))
    assert loose in shown.stdout
    assert _sha(loose)  # (the key is only in the --show-secrets report)
