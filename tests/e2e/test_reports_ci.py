"""Report formats (SARIF, JUnit, GitHub workflow commands, Markdown) and `psguard ci`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from psguard.testing import Repo, make_key, run_psguard

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


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
    from psguard.escape import workflow_data as escape_data
    from psguard.escape import workflow_property as escape_property
    from psguard.report.github import command

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
        finding = Finding(rule="poolside-api-key", secret=key, confidence="high",
                          candidates=[cand])
        findings.append(finding.replace(verification=Verification(status=status),
                                        exposure="pushed"))
    result = ScanResult(mode="range", target=".")
    result.findings = findings
    text = render(result, show_secrets=False, color=False)
    assert keys[0] not in text and keys[1] not in text
    rows = [line for line in text.splitlines() if line.startswith("| `ps-")]
    assert len(rows) == 2
    assert keys[1][-4:] in rows[0] and "live" in rows[0]  # live first
    assert "a\\|b.py" in rows[1]  # a pipe in a path does not break the table
    assert rows[1].count(" | ") == 3
    assert "Revoke" in text and "POOLSIDE\\_API\\_KEY" in text  # Markdown-escaped


def test_markdown_from_cli_clean(repo: Repo) -> None:
    repo.write("a.txt", "hello\n")
    run = run_psguard("scan", "--format", "markdown", str(repo.path))
    assert run.code == 0
    assert "no Poolside API keys found" in run.stdout


# --- psguard ci ----------------------------------------------------------------------------

CI_VARS = ("GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_BASE_REF",
           "GITHUB_HEAD_REF", "GITHUB_REF", "GITHUB_SHA", "GITHUB_STEP_SUMMARY", "GITLAB_CI",
           "CI_PIPELINE_SOURCE", "CI_COMMIT_SHA", "CI_COMMIT_BEFORE_SHA", "CI_COMMIT_BRANCH",
           "CI_COMMIT_REF_NAME", "CI_COMMIT_TAG", "CI_DEFAULT_BRANCH", "CI_MERGE_REQUEST_IID",
           "CI_MERGE_REQUEST_DIFF_BASE_SHA", "CI_MERGE_REQUEST_TARGET_BRANCH_SHA",
           "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
ZERO = "0" * 40


@pytest.fixture(autouse=True)
def _no_ci_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_VARS:
        monkeypatch.delenv(name, raising=False)


class Project:
    """A developer's repository, the server's bare repository, and CI checkouts of it."""

    def __init__(self, tmp_path: Path, home: Path) -> None:
        from psguard.testing import init_repo

        self.tmp = tmp_path
        self.server = init_repo(tmp_path / "server.git", home, bare=True)
        self.dev = init_repo(tmp_path / "dev", home)
        self.dev.git("remote", "add", "origin", self.server.path.as_uri())
        self.old_key = make_key()  # in main's history long ago: never the PR's fault
        self.dev.write("README.md", "project\n")
        self.dev.commit("initial", "README.md")
        self.dev.write("legacy.cfg", f"api_key = {self.old_key}\n")
        self.dev.commit("legacy config", "legacy.cfg")
        for i in range(5):
            self.dev.write(f"src/m{i}.py", f"x = {i}\n")
            self.dev.commit(f"work {i}", f"src/m{i}.py")
        self.dev.git("push", "-q", "origin", "main")

    def sha(self, rev: str) -> str:
        return self.dev.git("rev-parse", rev)

    def checkout(self, name: str, rev: str, *, depth: int | None = 1,
                 branches: tuple[str, ...] = ()) -> Repo:
        """What CI does: a fresh repository fetching one commit (shallow by default)."""
        from psguard.testing import init_repo

        co = init_repo(self.tmp / name, self.dev.home)
        co.git("remote", "add", "origin", self.server.path.as_uri())
        deep = [f"--depth={depth}"] if depth else []
        specs = [f"+refs/heads/{b}:refs/remotes/origin/{b}" for b in branches]
        co.git("fetch", "-q", "--no-tags", *deep, "origin", rev, *specs)
        co.git("checkout", "-q", "--detach", rev)
        return co


@pytest.fixture
def project(tmp_path: Path, git_home: Path) -> Project:
    return Project(tmp_path, git_home)


def _feature_with_key(project: Project, branch: str = "feature") -> str:
    key = make_key()
    dev = project.dev
    dev.git("checkout", "-q", "-b", branch, "main")
    dev.write("app/settings.py", f'POOLSIDE_API_KEY = "{key}"\n')
    dev.commit("settings", "app/settings.py")
    dev.write("app/other.py", "y = 2\n")
    dev.commit("other", "app/other.py")
    dev.git("push", "-q", "origin", branch)
    return key


def _event(tmp_path: Path, payload: dict) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def _github_env(tmp_path: Path, event: str, payload: dict, **extra: str) -> dict[str, str]:
    summary = tmp_path / "step_summary.md"
    env = {"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_EVENT_NAME": event,
           "GITHUB_EVENT_PATH": _event(tmp_path, payload),
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(tmp_path)}
    env.update(extra)
    return env


def test_ci_github_pull_request_in_a_shallow_checkout(project: Project, tmp_path: Path) -> None:
    key = _feature_with_key(project)
    base, head = project.sha("main"), project.sha("feature")
    # main moves on after the branch point: the PR must not be blamed for main's commits
    project.dev.git("checkout", "-q", "main")
    project.dev.write("src/late.py", "late = 1\n")
    project.dev.commit("late", "src/late.py")
    project.dev.git("push", "-q", "origin", "main")
    base = project.sha("main")
    co = project.checkout("ci-pr", head)  # actions/checkout default: fetch-depth 1
    payload = {"action": "synchronize", "number": 7,
               "pull_request": {"number": 7, "base": {"ref": "main", "sha": base},
                                "head": {"ref": "feature", "sha": head}}}
    env = _github_env(tmp_path, "pull_request", payload, GITHUB_BASE_REF="main",
                      GITHUB_HEAD_REF="feature", GITHUB_REF="refs/pull/7/merge")
    run = run_psguard("ci", cwd=co.path, env=env)
    assert run.code == 1, run.stderr
    assert key not in run.stdout + run.stderr
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1 and "file=app/settings.py" in errors[0]
    assert project.old_key[-4:] not in run.stdout  # main's old key is not the PR's
    assert "git fetch" in run.stderr  # it completed the shallow clone itself
    summary = (tmp_path / "step_summary.md").read_text(encoding="utf-8")
    assert "| Key |" in summary and key[-4:] in summary and key not in summary


def test_ci_shallow_without_fetch_says_what_to_set(project: Project, tmp_path: Path) -> None:
    _feature_with_key(project)
    base, head = project.sha("main"), project.sha("feature")
    co = project.checkout("ci-noshallow", head)
    payload = {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    run = run_psguard("ci", "--no-fetch", cwd=co.path,
                      env=_github_env(tmp_path, "pull_request", payload))
    assert run.code == 2
    assert "fetch-depth: 0" in run.stderr and "Traceback" not in run.stderr


def test_ci_github_push_event(project: Project, tmp_path: Path) -> None:
    before = project.sha("main")
    key = make_key()
    project.dev.git("checkout", "-q", "main")
    project.dev.write("deploy/env.sh", f"export POOLSIDE_API_KEY={key}\n")
    project.dev.commit("deploy", "deploy/env.sh")
    project.dev.git("push", "-q", "origin", "main")
    after = project.sha("main")
    co = project.checkout("ci-push", after, depth=None, branches=("main",))
    payload = {"ref": "refs/heads/main", "before": before, "after": after, "created": False,
               "deleted": False, "forced": False,
               "repository": {"default_branch": "main"}}
    env = _github_env(tmp_path, "push", payload, GITHUB_REF="refs/heads/main",
                      GITHUB_SHA=after)
    run = run_psguard("ci", "--format", "sarif", "--output", str(tmp_path / "out.sarif"),
                      cwd=co.path, env=env)
    assert run.code == 1, run.stderr
    log = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]]
    assert uris == ["deploy/env.sh"]
    # the next push, which removes it, is clean on its own range
    project.dev.git("rm", "-q", "deploy/env.sh")
    project.dev.commit("remove")
    project.dev.git("push", "-q", "origin", "main")
    payload.update(before=after, after=project.sha("main"))
    co2 = project.checkout("ci-push2", project.sha("main"), depth=None, branches=("main",))
    run = run_psguard("ci", cwd=co2.path, env=_github_env(tmp_path, "push", payload))
    assert run.code == 0, run.stdout + run.stderr
    assert "no Poolside API keys found" in (tmp_path / "step_summary.md").read_text()


def test_ci_github_first_push_of_a_new_branch(project: Project, tmp_path: Path) -> None:
    key = _feature_with_key(project, "topic")
    head = project.sha("topic")
    payload = {"ref": "refs/heads/topic", "before": ZERO, "after": head, "created": True,
               "deleted": False, "base_ref": None, "repository": {"default_branch": "main"}}
    env = _github_env(tmp_path, "push", payload, GITHUB_REF="refs/heads/topic",
                      GITHUB_SHA=head)
    # fetch-depth: 0 checkout: every branch as a remote-tracking ref
    full = project.checkout("ci-new-full", head, depth=None, branches=("main", "topic"))
    run = run_psguard("ci", cwd=full.path, env=env)
    assert run.code == 1, run.stderr
    assert key[-4:] in run.stdout and project.old_key[-4:] not in run.stdout
    # default shallow checkout: psguard fetches the default branch to compare with
    shallow = project.checkout("ci-new-shallow", head)
    run = run_psguard("ci", cwd=shallow.path, env=env)
    assert run.code == 1, run.stderr
    assert key[-4:] in run.stdout and project.old_key[-4:] not in run.stdout
    # a branch deletion scans nothing
    payload = {"ref": "refs/heads/topic", "before": head, "after": ZERO, "deleted": True}
    run = run_psguard("ci", cwd=full.path, env=_github_env(tmp_path, "push", payload))
    assert run.code == 0 and "nothing to scan" in run.stderr


def test_ci_gitlab_merge_request_pipeline(project: Project, tmp_path: Path) -> None:
    key = _feature_with_key(project, "mr-branch")
    base, head = project.sha("main"), project.sha("mr-branch")
    co = project.checkout("ci-gitlab-mr", head, depth=20)  # GitLab's default GIT_DEPTH
    env = {"GITLAB_CI": "true", "CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
           "CI_COMMIT_SHA": head, "CI_COMMIT_BEFORE_SHA": ZERO, "CI_MERGE_REQUEST_IID": "3",
           "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
           "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": "",
           "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_DEFAULT_BRANCH": "main"}
    run = run_psguard("ci", "--format", "junit", cwd=co.path, env=env)
    assert run.code == 1, run.stderr
    assert key not in run.stdout
    root = ET.fromstring(run.stdout.encode())
    assert root.get("failures") == "1"
    assert "gitlab merge_request_event" in run.stderr


def test_ci_gitlab_branch_pipelines(project: Project, tmp_path: Path) -> None:
    key = _feature_with_key(project, "gl-branch")
    head = project.sha("gl-branch")
    # a new branch: GitLab fetches only that branch; psguard fetches the default branch
    co = project.checkout("ci-gitlab-new", head, depth=20, branches=("gl-branch",))
    env = {"GITLAB_CI": "true", "CI": "true", "CI_PIPELINE_SOURCE": "push",
           "CI_COMMIT_SHA": head, "CI_COMMIT_BEFORE_SHA": ZERO,
           "CI_COMMIT_BRANCH": "gl-branch", "CI_COMMIT_REF_NAME": "gl-branch",
           "CI_DEFAULT_BRANCH": "main"}
    run = run_psguard("ci", cwd=co.path, env=env)
    assert run.code == 1, run.stderr
    assert key[-4:] in run.stdout and project.old_key[-4:] not in run.stdout
    # a later push to the branch: before..after, here a clean commit
    project.dev.write("app/more.py", "z = 3\n")
    project.dev.commit("more", "app/more.py")
    project.dev.git("push", "-q", "origin", "gl-branch")
    env.update(CI_COMMIT_BEFORE_SHA=head, CI_COMMIT_SHA=project.sha("gl-branch"))
    co2 = project.checkout("ci-gitlab-next", project.sha("gl-branch"), depth=20,
                           branches=("gl-branch",))
    run = run_psguard("ci", cwd=co2.path, env=env)
    assert run.code == 0, run.stdout + run.stderr


def test_ci_needs_a_range_outside_ci(project: Project) -> None:
    run = run_psguard("ci", cwd=project.dev.path)
    assert run.code == 2
    assert "--range" in run.stderr and "Traceback" not in run.stderr
    key = _feature_with_key(project)
    run = run_psguard("ci", "--range", "main..feature", cwd=project.dev.path)
    assert run.code == 1 and key[-4:] in run.stdout and key not in run.stdout


def _action_step(name: str) -> dict:
    import yaml

    action = yaml.safe_load((Path(__file__).resolve().parents[2] / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    return next(s for s in action["runs"]["steps"] if s.get("name") == name)


def test_action_runs_psguard_ci_with_its_inputs(project: Project, tmp_path: Path) -> None:
    """The action's run step, executed by bash as the runner would (inputs as env)."""
    import os
    import subprocess
    import sys

    install = _action_step("Install psguard")
    assert '"$GITHUB_ACTION_PATH"' in install["run"]  # installs the action's own checkout
    step = _action_step("psguard ci")
    key = _feature_with_key(project)
    base, head = project.sha("main"), project.sha("feature")
    co = project.checkout("ci-action", head)
    payload = {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    env = {**os.environ, **_github_env(tmp_path, "pull_request", payload),
           "PSGUARD_PYTHON": sys.executable, "NO_COLOR": "1", "INPUT_FORMAT": "sarif",
           "INPUT_OUTPUT": str(tmp_path / "psguard.sarif"), "INPUT_VERIFY": "false",
           "INPUT_ENDPOINT": "", "INPUT_FAIL_ON": "", "INPUT_RANGE": ""}
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=co.path, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    log = json.loads((tmp_path / "psguard.sarif").read_text())
    assert len(log["runs"][0]["results"]) == 1
    assert key not in (tmp_path / "psguard.sarif").read_text()
    assert "| Key |" in (tmp_path / "step_summary.md").read_text()
    # default inputs: annotations in the log
    env.update(INPUT_FORMAT="github", INPUT_OUTPUT="")
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=co.path, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stdout.startswith("::error file=app/settings.py,")


def test_ci_baseline_accepts_recorded_findings(project: Project, tmp_path: Path) -> None:
    key = _feature_with_key(project)
    dev = project.dev
    baseline = tmp_path / "baseline.json"
    made = run_psguard("baseline", "create", "--range", "main..feature", "--output",
                       str(baseline), str(dev.path))
    assert made.code == 0, made.stderr
    assert key not in baseline.read_text()
    run = run_psguard("ci", "--range", "main..feature", "--baseline", str(baseline),
                      cwd=dev.path)
    assert run.code == 0, run.stdout + run.stderr
    assert run_psguard("ci", "--range", "main..feature", cwd=dev.path).code == 1


def test_sarif_every_result_has_an_artifact_location(project: Project, sarif_validator) -> None:
    """GitHub rejects a whole SARIF file when one result has no physical artifact location
    (rule GH1001): a key in a commit message must still be anchored."""
    dev = project.dev
    key = make_key()
    dev.git("checkout", "-q", "-b", "msg")
    dev.write("x.txt", "x\n")
    dev.git("add", "x.txt")
    dev.git("commit", "-q", "-m", f"temporary key {key}")
    run = run_psguard("ci", "--range", "main..msg", "--format", "sarif", cwd=dev.path)
    assert run.code == 1, run.stderr
    assert key not in run.stdout
    log = run.json()
    assert not list(sarif_validator.iter_errors(log))
    results = log["runs"][0]["results"]
    assert results
    for r in results:
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri
    msg = next(r for r in results if r["locations"][0]["properties"]["kind"]
               == "commit-message")
    assert msg["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
        "git/commit-message/")


def test_ci_github_force_push_with_a_vanished_before(project: Project, tmp_path: Path) -> None:
    key = _feature_with_key(project, "rewrite")
    dev = project.dev
    gone = project.sha("rewrite")
    # rewrite the branch: the old tip disappears from the server
    dev.git("reset", "-q", "--hard", "main")
    dev.write("app/new.py", f"KEY = '{key}'\n")
    dev.commit("rewritten", "app/new.py")
    dev.git("push", "-q", "--force", "origin", "rewrite")
    project.server.git("reflog", "expire", "--expire=now", "--all")
    project.server.git("gc", "-q", "--prune=now")
    head = project.sha("rewrite")
    payload = {"ref": "refs/heads/rewrite", "before": gone, "after": head, "forced": True,
               "created": False, "deleted": False, "repository": {"default_branch": "main"}}
    co = project.checkout("ci-force", head)
    run = run_psguard("ci", cwd=co.path, env=_github_env(tmp_path, "push", payload))
    assert run.code == 1, run.stderr
    assert "force push" in run.stderr
    assert "app/new.py" in run.stdout and project.old_key[-4:] not in run.stdout
