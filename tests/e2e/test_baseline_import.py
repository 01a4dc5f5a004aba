"""`psguard baseline import`: other scanners' ignore lists and baselines, through real git
and the real CLI. The files are built here in the shapes gitleaks 8.30, kingfisher 2.14
and detect-secrets 1.5 wrote for a repository like these (checked by running them;
they are not available in CI), and ggshield's documented .gitguardian.yaml."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from psguard.testing import Repo, make_key, run_psguard


def key_repo(repo: Repo) -> tuple[str, str]:
    """A repository whose one commit holds a key twice in settings.py (lines 2 and 3)."""
    key = make_key()
    repo.write("settings.py", f'import os\nPOOLSIDE_API_KEY = "{key}"\napi_key = "{key}"\n')
    return key, repo.commit("settings")


def scan(repo: Repo, *extra: str) -> tuple[int, dict[str, Any]]:
    run = run_psguard("scan", str(repo.path), "--format", "json", *extra)
    assert run.code in (0, 1), run.stderr
    return run.code, run.json()


def tails(report: dict[str, Any]) -> set[str]:
    return {f["secret"]["redacted"][-4:] for f in report["findings"]}


def gitleaks_finding(key: str, line: int, commit: str = "") -> dict[str, Any]:
    fingerprint = f"{commit + ':' if commit else ''}settings.py:poolside-api-key:{line}"
    return {"RuleID": "poolside-api-key", "Description": "Poolside API key",
            "StartLine": line, "EndLine": line, "StartColumn": 22, "EndColumn": 64,
            "Match": key, "Secret": key, "File": "settings.py", "SymlinkFile": "",
            "Commit": commit, "Entropy": 5.05, "Author": "a" if commit else "",
            "Email": "", "Date": "", "Message": "", "Tags": [], "Fingerprint": fingerprint}


def kingfisher_report(key: str, commit: str) -> str:
    finding = {"rule": {"name": "custom.poolside.1", "id": "custom.poolside.1"},
               "finding": {"snippet": key, "fingerprint": "4341547034129979261",
                           "confidence": "medium", "line": 2, "column_start": 20,
                           "path": "settings.py", "git_metadata": {
                               "repository_url": ".", "commit": {"id": commit}}}}
    report = {"findings": [finding], "audit": {"schema": "kingfisher.repository-audit.v1"}}
    # kingfisher prints its summary as a second JSON object after the report
    return json.dumps(report) + "\n" + json.dumps({"findings": 1}) + "\n"


KINGFISHER_BASELINE = """\
version: 2
fingerprint_algorithm: kingfisher-v1
repositories:
- id: local:///tmp/r
  findings:
  - path: settings.py
    fingerprint: '5981090202799058017'
    rule_id: custom.poolside.1
    line: 2
    first_seen_at: 2026-12-07T22:16:42.211703090+00:00
    last_updated_at: 2026-12-07T22:16:42.211703090+00:00
  - path: settings.py
    fingerprint: '8954032727380705883'
    rule_id: custom.poolside.1
    line: 3
    first_seen_at: 2026-12-07T22:16:42.211703090+00:00
    last_updated_at: 2026-12-07T22:16:42.211703090+00:00
"""


def detect_secrets_baseline(key: str) -> str:
    sha1 = hashlib.sha1(key.encode()).hexdigest()  # detect-secrets hashes with sha1
    results = {"settings.py": [
        {"type": "Base64 High Entropy String", "filename": "settings.py",
         "hashed_secret": sha1, "is_verified": False, "line_number": 2},
        {"type": "Secret Keyword", "filename": "settings.py", "hashed_secret": sha1,
         "is_verified": False, "line_number": 2}]}
    return json.dumps({"version": "1.5.0", "plugins_used": [{"name": "KeywordDetector"}],
                       "filters_used": [], "results": results,
                       "generated_at": "2026-12-07T22:16:51Z"}, indent=2)


def peer_files(key: str, commit: str) -> dict[str, tuple[str, str]]:
    """name -> (file name, content) for each peer format."""
    sha256 = hashlib.sha256(key.encode()).hexdigest()
    return {
        "gitleaksignore": (".gitleaksignore",
                           f"{commit}:settings.py:poolside-api-key:2\n"
                           f"{commit}:settings.py:poolside-api-key:3\n"),
        "gitleaks-report": ("gitleaks.json", json.dumps(
            [gitleaks_finding(key, 2, commit), gitleaks_finding(key, 3, commit)], indent=1)),
        "gitleaks-dir-report": ("gitleaks-dir.json", json.dumps(
            [gitleaks_finding(key, 2), gitleaks_finding(key, 3)])),
        "kingfisher-report": ("kingfisher.json", kingfisher_report(key, commit)),
        "kingfisher-baseline": ("baseline.yml", KINGFISHER_BASELINE),
        "detect-secrets": (".secrets.baseline", detect_secrets_baseline(key)),
        "ggshield": (".gitguardian.yaml",
                     f"version: 2\nsecret:\n  ignored_matches:\n    - name: settings key\n"
                     f"      match: {sha256}\n"),
    }


@pytest.mark.parametrize("fmt", ["gitleaksignore", "gitleaks-report", "gitleaks-dir-report",
                                 "kingfisher-report", "kingfisher-baseline", "detect-secrets",
                                 "ggshield"])
def test_import_baselines_the_key_and_not_another(repo: Repo, tmp_path: Path,
                                                  fmt: str) -> None:
    key, commit = key_repo(repo)
    name, content = peer_files(key, commit)[fmt]
    peer = tmp_path / name
    peer.write_text(content)
    assert scan(repo)[0] == 1  # before: the key blocks

    run = run_psguard("baseline", "import", str(peer), str(repo.path))
    assert run.code == 0, run.stderr
    assert "not imported" not in run.stderr, run.stderr
    assert "1 new key(s)" in run.stdout
    baseline = repo.path / ".psguard-baseline.json"
    text = baseline.read_text()
    assert key not in text and key not in run.stdout + run.stderr
    entry, = json.loads(text)["findings"]
    assert entry["locations"] == [{"kind": "file", "path": "settings.py"}]
    # detect-secrets' sha1 is kept as such: the scan hashes each key the same way
    assert ("sha1" in entry) == (fmt == "detect-secrets")

    code, report = scan(repo, "--baseline", str(baseline))
    assert code == 0 and report["findings"] == [] and report["scan"]["suppressed"] == 1
    other = make_key()
    repo.write("other.py", f'TOKEN = "{other}"\n')
    code, report = scan(repo, "--baseline", str(baseline))
    assert code == 1 and tails(report) == {other[-4:]}


def test_entries_that_are_not_poolside_keys_are_listed_not_dropped(repo: Repo,
                                                                   tmp_path: Path) -> None:
    key, commit = key_repo(repo)
    aws = "AKIA" + "QWERTYUIOPASDFGH"
    stranger = dict(gitleaks_finding(key, 2, commit), RuleID="aws-access-token",
                    Secret=aws, Match=aws, File="deploy.sh", StartLine=7)
    report = tmp_path / "gitleaks.json"
    report.write_text(json.dumps([gitleaks_finding(key, 2, commit), stranger,
                                  {"RuleID": "broken"}]))
    run = run_psguard("baseline", "import", str(report), str(repo.path))
    assert run.code == 0, run.stderr
    assert "imported 1 of 3 gitleaks entries" in run.stdout
    assert f"not imported: {report}[2]: not a Poolside key psguard finds" in run.stderr
    assert f"not imported: {report}[3]: no Secret in this finding" in run.stderr
    assert "2 of 3 entries not imported" in run.stderr
    assert aws not in run.stdout + run.stderr + (repo.path / ".psguard-baseline.json"
                                                 ).read_text()


def test_ggshield_paths_become_path_ignores(repo: Repo, tmp_path: Path) -> None:
    fixture, real = make_key(), make_key()
    repo.write("tests/fixtures/creds.env", f"POOLSIDE_API_KEY={fixture}\n")
    repo.write("app/config.env", f"POOLSIDE_API_KEY={real}\n")
    repo.commit("two keys")
    gg = tmp_path / ".gitguardian.yaml"
    gg.write_text("version: 2\nsecret:\n  ignored_paths:\n    - tests/fixtures/**\n"
                  "  ignored_detectors:\n    - Generic Password\n")
    run = run_psguard("baseline", "import", str(gg), str(repo.path))
    assert run.code == 0, run.stderr
    assert "1 new path pattern(s)" in run.stdout
    assert "not imported: " in run.stderr and "ignored_detectors" in run.stderr
    data = json.loads((repo.path / ".psguard-baseline.json").read_text())
    assert data["paths"] == [{"pattern": "tests/fixtures/**", "from": "ggshield"}]
    code, report = scan(repo, "--baseline", str(repo.path / ".psguard-baseline.json"))
    assert code == 1 and tails(report) == {real[-4:]}
    # `baseline update` records today's keys and keeps the imported path patterns
    assert run_psguard("baseline", "update", str(repo.path)).code == 0
    data = json.loads((repo.path / ".psguard-baseline.json").read_text())
    assert data["paths"] == [{"pattern": "tests/fixtures/**"}]
    new = make_key()
    repo.write("tests/fixtures/more.env", f"K={new}\n")
    code, report = scan(repo, "--baseline", str(repo.path / ".psguard-baseline.json"))
    assert code == 0, report


def test_import_adds_to_an_existing_baseline(repo: Repo, tmp_path: Path) -> None:
    old = make_key()
    repo.write("legacy.env", f"POOLSIDE_API_KEY={old}\n")
    key, commit = key_repo(repo)
    assert run_psguard("baseline", "create", str(repo.path)).code == 0
    name, content = peer_files(key, commit)["detect-secrets"]
    (tmp_path / name).write_text(content)
    run = run_psguard("baseline", "import", str(tmp_path / name), str(repo.path))
    assert run.code == 0, run.stderr
    findings = json.loads((repo.path / ".psguard-baseline.json").read_text())["findings"]
    assert len(findings) == 3  # both keys from create, and the imported sha1 entry
    assert scan(repo, "--baseline", str(repo.path / ".psguard-baseline.json"))[0] == 0


@pytest.mark.parametrize(("content", "message"), [
    ("just some text\n", "not a file psguard can import"),
    ("[1, 2", "not a file psguard can import"),
])
def test_unreadable_files_are_usage_errors(repo: Repo, tmp_path: Path, content: str,
                                           message: str) -> None:
    key_repo(repo)
    peer = tmp_path / "peer.txt"
    peer.write_text(content)
    run = run_psguard("baseline", "import", str(peer), str(repo.path))
    assert run.code == 2 and message in run.stderr and "Traceback" not in run.stderr
    assert not (repo.path / ".psguard-baseline.json").exists()
    missing = run_psguard("baseline", "import", str(tmp_path / "nope.json"), str(repo.path))
    assert missing.code == 2 and "no such file" in missing.stderr


def test_from_names_the_format(repo: Repo, tmp_path: Path) -> None:
    _, commit = key_repo(repo)
    peer = tmp_path / "ignores.txt"  # not named .gitleaksignore: --from says what it is
    peer.write_text(f"settings.py:poolside-api-key:2\n{commit}:settings.py:other:9\n")
    run = run_psguard("baseline", "import", "--from", "gitleaks", str(peer), str(repo.path))
    assert run.code == 0, run.stderr
    assert "imported 1 of 2" in run.stdout
    assert "not a Poolside key psguard finds in this scan at settings.py:9" in run.stderr
    wrong = run_psguard("baseline", "import", "--from", "detect-secrets", str(peer),
                        str(repo.path))
    assert wrong.code == 2 and "detect-secrets" in wrong.stderr
