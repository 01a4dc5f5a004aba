"""Report formats (SARIF, JUnit, GitHub workflow commands, Markdown) and `psguard ci`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conftest import Repo, make_key, run_psguard

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def _tree_with_keys(repo: Repo) -> tuple[str, str]:
    live, other = make_key(), make_key()
    repo.write("config/settings.py", f'POOLSIDE_API_KEY = "{live}"\n')
    repo.write("docs/odd, name: 100%.md", f"api_key: {live}\n\nand {other}\n")
    repo.write("clean.txt", "nothing here\n")
    return live, other


# --- SARIF -----------------------------------------------------------------------------


def test_sarif_validates_against_the_sarif_2_1_0_schema(repo: Repo, sarif_validator) -> None:
    live, other = _tree_with_keys(repo)
    run = run_psguard("scan", "--format", "sarif", str(repo.path))
    assert run.code == 1, run.stderr
    assert live not in run.stdout and other not in run.stdout
    log = run.json()
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert not errors, errors[0]
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "psguard"
    rule = driver["rules"][0]
    assert rule["id"] == "poolside-api-key"
    assert "revoke" in rule["help"]["text"] and "POOLSIDE_API_KEY" in rule["help"]["markdown"]
    results = log["runs"][0]["results"]
    # one result per location: the first key twice, the second once
    assert len(results) == 3
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for r in results)
    assert uris == ["config/settings.py", "docs/odd%2C%20name%3A%20100%25.md",
                    "docs/odd%2C%20name%3A%20100%25.md"]
    fps = [r["partialFingerprints"]["psguardFindingLocation/v1"] for r in results]
    assert len(set(fps)) == 3
    settings = next(r for r in results if r["locations"][0]["physicalLocation"]
                    ["artifactLocation"]["uri"] == "config/settings.py")
    region = settings["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 1 and region["startColumn"] == 21
    assert region["endColumn"] - region["startColumn"] == len(live)
    assert live[-4:] in settings["message"]["text"]


def test_sarif_fingerprints_are_stable_when_lines_move(repo: Repo) -> None:
    key = make_key()
    repo.write("app.py", f'KEY = "{key}"\n')
    first = run_psguard("scan", "--format", "sarif", str(repo.path)).json()
    repo.write("app.py", f'# a new comment\n\nKEY = "{key}"\n')
    second = run_psguard("scan", "--format", "sarif", str(repo.path)).json()
    r1, r2 = first["runs"][0]["results"][0], second["runs"][0]["results"][0]
    assert r1["partialFingerprints"] == r2["partialFingerprints"]
    assert r2["locations"][0]["physicalLocation"]["region"]["startLine"] == 3


def test_sarif_clean_scan_is_valid_and_empty(repo: Repo, sarif_validator) -> None:
    repo.write("README.md", "use ps-<your-key> and the ps-3 class\n")
    run = run_psguard("scan", "--format", "sarif", str(repo.path))
    assert run.code == 0
    log = run.json()
    assert not list(sarif_validator.iter_errors(log))
    assert log["runs"][0]["results"] == []


def test_vendored_schema_rejects_broken_logs(sarif_validator) -> None:
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"message": {"text": "m"}, "level": "error",
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a"},
                                             "region": {"startLine": 1}}}]}]}]}
    assert not list(sarif_validator.iter_errors(good))
    bad_level = json.loads(json.dumps(good))
    bad_level["runs"][0]["results"][0]["level"] = "fatal"
    no_message = json.loads(json.dumps(good))
    del no_message["runs"][0]["results"][0]["message"]
    zero_line = json.loads(json.dumps(good))
    zero_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"][
        "startLine"] = 0
    extra = json.loads(json.dumps(good))
    extra["runs"][0]["results"][0]["secret"] = "x"
    for broken in (bad_level, no_message, zero_line, extra, {"runs": []}):
        assert list(sarif_validator.iter_errors(broken))


def test_show_secrets_puts_the_key_in_sarif_only_when_asked(repo: Repo) -> None:
    key = make_key()
    repo.write("a.env", f"POOLSIDE_API_KEY={key}\n")
    assert key not in run_psguard("scan", "--format", "sarif", str(repo.path)).stdout
    shown = run_psguard("scan", "--format", "sarif", "--show-secrets", str(repo.path))
    assert key in shown.stdout


# --- JUnit -----------------------------------------------------------------------------


def test_junit_has_one_failing_case_per_location(repo: Repo) -> None:
    live, other = _tree_with_keys(repo)
    run = run_psguard("scan", "--format", "junit", str(repo.path))
    assert run.code == 1
    assert live not in run.stdout and other not in run.stdout
    root = ET.fromstring(run.stdout.encode())
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "3" and suite.get("failures") == "3"
    cases = suite.findall("testcase")
    assert {c.get("file") for c in cases} == {"config/settings.py", "docs/odd, name: 100%.md"}
    failure = cases[0].find("failure")
    assert failure is not None and failure.text is not None
    assert "What to do" in failure.text and ".psguardignore" in failure.text


def test_junit_clean_scan_is_one_passing_case(repo: Repo) -> None:
    repo.write("a.txt", "hello\n")
    run = run_psguard("scan", "--format", "junit", str(repo.path))
    assert run.code == 0
    suite = ET.fromstring(run.stdout.encode()).find("testsuite")
    assert suite is not None and suite.get("tests") == "1" and suite.get("failures") == "0"


# --- GitHub workflow commands ------------------------------------------------------------


def test_github_annotations_escape_properties_and_data(repo: Repo) -> None:
    key = make_key()
    repo.write("odd, name: 100%.txt", f"token {key}\n")
    run = run_psguard("scan", "--format", "github", str(repo.path))
    assert run.code == 1
    assert key not in run.stdout
    lines = run.stdout.splitlines()
    error = next(line for line in lines if line.startswith("::error "))
    props, _, message = error[len("::error "):].partition("::")
    fields = dict(item.split("=", 1) for item in props.split(","))
    assert fields["file"] == "odd%2C name%3A 100%25.txt"
    assert fields["line"] == "1" and fields["col"] == "7"
    assert int(fields["endColumn"]) - int(fields["col"]) == len(key)
    assert "%0A" in message and "\n" not in message
    assert "100%25" in message  # % in the message data is escaped too
    assert key[-4:] in fields["title"]


def test_github_escaping_rules() -> None:
    from psguard.report.github import command, escape_data, escape_property

    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert command("error", "m:1,2", file="x,y", line=3) == "::error file=x%2Cy,line=3::m:1,2"
    assert command("notice", "hi") == "::notice::hi"


# --- Markdown ----------------------------------------------------------------------------


def test_markdown_lists_live_keys_first_and_says_what_to_do(repo: Repo) -> None:
    from psguard.models import Candidate, Finding, Origin, ScanResult, Verification
    from psguard.report.markdown import render

    keys = [make_key(), make_key()]
    findings = []
    for key, status, path in ((keys[0], "rejected", "a|b.py"), (keys[1], "live", "c.py")):
        cand = Candidate(rule="poolside-api-key", secret=key, confidence="high",
                         origin=Origin(kind="file", path=path), line=2, column=5, offset=9)
        findings.append(Finding(rule="poolside-api-key", secret=key, confidence="high",
                                candidates=[cand], verification=Verification(status=status),
                                exposure="pushed"))
    text = render(ScanResult(mode="range", target=".", findings=findings),
                  show_secrets=False, color=False)
    assert keys[0] not in text and keys[1] not in text
    rows = [line for line in text.splitlines() if line.startswith("| `ps-")]
    assert len(rows) == 2
    assert keys[1][-4:] in rows[0] and "live" in rows[0]  # live first
    assert "a\\|b.py" in rows[1]  # a pipe in a path does not break the table
    assert rows[1].count(" | ") == 3
    assert "Revoke" in text and "POOLSIDE_API_KEY" in text


def test_markdown_from_cli_clean(repo: Repo) -> None:
    repo.write("a.txt", "hello\n")
    run = run_psguard("scan", "--format", "markdown", str(repo.path))
    assert run.code == 0
    assert "no Poolside API keys found" in run.stdout
