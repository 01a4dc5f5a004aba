"""Policy from a trusted place (issue 19, row 2): a change never brings the psguard
policy it is judged by. `psguard ci` (and `scan --range`) read config, ignore file and
baseline from the base of the change, and say in every format that the change modifies
them; the pre-commit hook judges a commit by HEAD's policy; the hooks and the action
can refuse the repository's config altogether."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from psguard.testing import Repo, git_run, init_repo, make_key, output, run_psguard

CI_VARS = ("GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_BASE_REF",
           "GITHUB_HEAD_REF", "GITHUB_REF", "GITHUB_SHA", "GITHUB_STEP_SUMMARY", "GITLAB_CI",
           "CI_PIPELINE_SOURCE", "CI_COMMIT_SHA", "CI_COMMIT_BEFORE_SHA", "CI_COMMIT_BRANCH",
           "CI_COMMIT_REF_NAME", "CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_DIFF_BASE_SHA",
           "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA")
SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
POLICY_TITLE = "::warning file={path},title=psguard%3A this change modifies psguard's own policy"


@pytest.fixture(autouse=True)
def _no_ci_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_VARS:
        monkeypatch.delenv(name, raising=False)


def _finding_id(key: str) -> str:
    """The id reports print for key (what a .psguardignore line holds)."""
    run = run_psguard("scan", "--stdin", "--format", "json", input=f"{key}\n")
    return str(run.json()["findings"][0]["id"])


class PullRequest:
    """main with a clean first commit (plus `base_files`), and a branch `feature` whose
    one commit adds config/prod.env with a key and the files that would hide it."""

    def __init__(self, tmp: Path, home: Path, base_files: dict[str, str] | None = None
                 ) -> None:
        self.tmp = tmp
        self.repo = init_repo(tmp / "repo", home)
        self.repo.write("README.md", "project\n")
        for name, text in (base_files or {}).items():
            self.repo.write(name, text)
        self.base = self.repo.commit("initial")
        self.repo.git("checkout", "-q", "-b", "feature")

    def open(self, files: dict[str, str]) -> str:
        for name, text in files.items():
            self.repo.write(name, text)
        self.head = self.repo.commit("add prod config")
        return self.head

    def env(self) -> dict[str, str]:
        event = self.tmp / "event.json"
        event.write_text(json.dumps({"action": "synchronize", "number": 7, "pull_request": {
            "number": 7, "base": {"ref": "main", "sha": self.base},
            "head": {"ref": "feature", "sha": self.head}}}), encoding="utf-8")
        return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
                "GITHUB_EVENT_PATH": str(event), "GITHUB_BASE_REF": "main",
                "GITHUB_HEAD_REF": "feature", "GITHUB_STEP_SUMMARY": str(self.summary)}

    @property
    def summary(self) -> Path:
        return self.tmp / "step_summary.md"

    def ci(self, *args: str):
        return run_psguard("ci", *args, cwd=self.repo.path, env=self.env())


def _weakenings(key: str) -> dict[str, tuple[dict[str, str], dict[str, str], str]]:
    """name -> (files on main, files the pull request adds, the policy file it changes)."""
    env_line = f"POOLSIDE_API_KEY={key}\n"
    encoded = base64.b64encode(env_line.encode()).decode()
    return {
        "pyproject exclude": ({}, {"config/prod.env": env_line, "pyproject.toml":
                                   '[tool.psguard]\nexclude = ["config/"]\n'},
                              "pyproject.toml"),
        "dotfile exclude": ({}, {"config/prod.env": env_line,
                                 ".psguard.toml": 'exclude = ["config/"]\n'}, ".psguard.toml"),
        "ignore file": ({}, {"config/prod.env": env_line,
                             ".psguardignore": f"{_finding_id(key)}  # test fixture\n"},
                        ".psguardignore"),
        # a short key with no keyword near it: medium confidence, reported by default
        "min_confidence": ({}, {"config/prod.env": f"{key}\n",
                                ".psguard.toml": 'min_confidence = "high"\n'},
                           ".psguard.toml"),
        "max_file_size": ({}, {"config/prod.env": env_line,
                               ".psguard.toml": "max_file_size = 1\n"}, ".psguard.toml"),
        "decode off": ({}, {"config/prod.env": f"BLOB={encoded}\n",
                            ".psguard.toml": "decode = false\n"}, ".psguard.toml"),
        # main names a baseline; the pull request writes its key into it
        "baseline": ({".psguard.toml": 'baseline = "psguard-baseline.json"\n',
                      "psguard-baseline.json": json.dumps(
                          {"schema": "psguard-baseline/v1", "findings": []})},
                     {"config/prod.env": env_line}, "psguard-baseline.json"),
    }


WEAKENINGS = ["pyproject exclude", "dotfile exclude", "ignore file", "min_confidence",
              "max_file_size", "decode off", "baseline"]


def _baseline_with(pr: PullRequest, key: str) -> str:
    """A real baseline recording the key where the pull request puts it."""
    out = pr.tmp / "made-baseline.json"
    made = run_psguard("baseline", "create", "--output", str(out), str(pr.repo.path))
    assert made.code == 0, made.stderr
    assert key not in out.read_text()
    return out.read_text()


@pytest.mark.parametrize("weakening", WEAKENINGS)
def test_a_pull_request_cannot_bring_the_policy_that_hides_its_key(
        weakening: str, tmp_path: Path, git_home: Path) -> None:
    key = make_key(20) if weakening == "min_confidence" else make_key()
    on_main, added, policy_file = _weakenings(key)[weakening]
    pr = PullRequest(tmp_path, git_home, on_main)
    if weakening == "baseline":
        pr.repo.write("config/prod.env", added["config/prod.env"])
        added = {**added, "psguard-baseline.json": _baseline_with(pr, key)}
    pr.open(added)
    # the pull request's own policy would hide the key: a plain local scan of its
    # work tree says so (the policy works as written, for local scans; a file skipped
    # for its size makes that scan incomplete, exit 3, but still hides the key)
    local = run_psguard("scan", str(pr.repo.path))
    assert local.code == (3 if weakening == "max_file_size" else 0), (
        weakening, local.stdout + local.stderr)
    assert key[-4:] not in local.stdout

    run = pr.ci()
    assert run.code == 1, (weakening, run.stdout + run.stderr)
    assert key[-4:] in run.stdout and key not in run.stdout + run.stderr
    assert POLICY_TITLE.format(path=policy_file) in run.stdout, run.stdout
    summary = pr.summary.read_text(encoding="utf-8")
    assert "This change modifies psguard's policy" in summary
    assert f"`{policy_file}`" in summary and key[-4:] in summary
    assert f"this scan used the policy from commit {pr.base}" in run.stderr


def test_the_policy_change_is_reported_in_every_format(tmp_path: Path, git_home: Path
                                                       ) -> None:
    key = make_key()
    pr = PullRequest(tmp_path, git_home)
    pr.open({"config/prod.env": f"POOLSIDE_API_KEY={key}\n",
             "pyproject.toml": '[tool.psguard]\nexclude = ["config/"]\n'})
    as_json = pr.ci("--format", "json")
    assert as_json.code == 1
    scan = as_json.json()["scan"]
    assert scan["policy_changes"] == ["pyproject.toml"]
    assert scan["policy_from"] == f"commit {pr.base}"
    assert len(as_json.json()["findings"]) == 1

    sarif = pr.ci("--format", "sarif")
    assert sarif.code == 1
    log = sarif.json()
    validator = jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text()))
    assert not list(validator.iter_errors(log))
    [note] = log["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    assert note["level"] == "warning" and "modifies psguard's policy" in note["message"]["text"]
    uri = note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "pyproject.toml"
    assert len(log["runs"][0]["results"]) == 1

    text = pr.ci("--format", "text")
    assert text.code == 1
    assert "policy change: This change modifies psguard's policy (pyproject.toml)" in text.stdout

    junit = pr.ci("--format", "junit")
    assert junit.code == 1 and "modifies psguard's policy (pyproject.toml)" in junit.stdout
    for run in (as_json, sarif, text, junit):
        assert key not in run.stdout + run.stderr


def test_scan_range_judges_the_range_by_its_base(tmp_path: Path, git_home: Path) -> None:
    key = make_key()
    pr = PullRequest(tmp_path, git_home)
    head = pr.open({"config/prod.env": f"POOLSIDE_API_KEY={key}\n",
                    ".psguardignore": f"{_finding_id(key)}\n"})
    run = run_psguard("scan", "--range", f"{pr.base}..{head}", "--format", "json",
                      str(pr.repo.path))
    assert run.code == 1, run.stdout + run.stderr
    assert run.json()["scan"]["policy_changes"] == [".psguardignore"]
    assert [f["secret"]["redacted"][-4:] for f in run.json()["findings"]] == [key[-4:]]


def test_a_committed_policy_still_applies_and_unrelated_pyproject_edits_are_quiet(
        tmp_path: Path, git_home: Path) -> None:
    """The base's own policy is the one that counts: an exclude main already has keeps
    working, and a pull request that edits pyproject.toml outside [tool.psguard] is
    not reported as a policy change."""
    key = make_key()
    pyproject = '[project]\nname = "x"\n\n[tool.psguard]\nexclude = ["fixtures/"]\n'
    pr = PullRequest(tmp_path, git_home, {"pyproject.toml": pyproject})
    pr.open({"fixtures/sample.env": f"POOLSIDE_API_KEY={key}\n",
             "pyproject.toml": pyproject.replace('"x"', '"y"')})
    run = pr.ci("--format", "json")
    assert run.code == 0, run.stdout + run.stderr
    assert run.json()["findings"] == []
    assert run.json()["scan"]["policy_changes"] == []


def test_a_baseline_named_in_the_workflow_comes_from_the_base(tmp_path: Path,
                                                              git_home: Path) -> None:
    """`psguard ci --baseline FILE` with FILE inside the repository: the pull request
    that adds FILE (listing its own key) does not get to use it."""
    key = make_key()
    pr = PullRequest(tmp_path, git_home)
    pr.repo.write("config/prod.env", f"POOLSIDE_API_KEY={key}\n")
    pr.open({"config/prod.env": f"POOLSIDE_API_KEY={key}\n",
             "psguard-baseline.json": _baseline_with(pr, key)})
    run = pr.ci("--format", "json", "--baseline", "psguard-baseline.json")
    assert run.code == 1, run.stdout + run.stderr
    report = run.json()["scan"]
    assert report["policy_changes"] == ["psguard-baseline.json"]
    assert any("no baseline in the trusted commit" in p["detail"] for p in report["problems"])


def test_no_repo_config_in_the_action_ignores_even_the_base_policy(
        tmp_path: Path, git_home: Path) -> None:
    """The action's `repo-config: "false"`: psguard ci --no-repo-config, so an exclude
    main has committed does not hide a key either."""
    import yaml

    action = yaml.safe_load((Path(__file__).resolve().parents[2] / "action.yml").read_text())
    assert action["inputs"]["repo-config"]["default"] == "true"
    step = next(s for s in action["runs"]["steps"] if s.get("name") == "psguard ci")
    assert step["env"]["INPUT_REPO_CONFIG"] == "${{ inputs.repo-config }}"
    key = make_key()
    pr = PullRequest(tmp_path, git_home, {".psguard.toml": 'exclude = ["config/"]\n'})
    pr.open({"config/prod.env": f"POOLSIDE_API_KEY={key}\n"})
    env = {**os.environ, **pr.env(), "PSGUARD_PYTHON": sys.executable, "NO_COLOR": "1",
           "INPUT_FORMAT": "github", "INPUT_OUTPUT": "", "INPUT_VERIFY": "false",
           "INPUT_ENDPOINT": "", "INPUT_FAIL_ON": "", "INPUT_RANGE": ""}

    def action_run(repo_config: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=pr.repo.path,
                              env={**env, "INPUT_REPO_CONFIG": repo_config},
                              capture_output=True, text=True)

    trusting = action_run("true")
    assert trusting.returncode == 0, trusting.stdout + trusting.stderr
    refusing = action_run("false")
    assert refusing.returncode == 1, refusing.stdout + refusing.stderr
    assert "::error file=config/prod.env," in refusing.stdout
    assert key not in refusing.stdout + refusing.stderr


# --- the hooks --------------------------------------------------------------------------


def _framework_config(framework: dict[str, str], args: list[str] | None = None) -> str:
    extra = f"        args: {json.dumps(args)}\n" if args else ""
    return ("repos:\n"
            f"  - repo: {framework['repo']}\n"
            f"    rev: {framework['rev']}\n"
            "    hooks:\n"
            "      - id: psguard\n" + extra)


@pytest.mark.parametrize("policy", ["pyproject.toml", ".psguardignore"])
def test_pre_commit_framework_blocks_a_commit_that_adds_a_key_and_its_exclude(
        fw_repo: Repo, policy: str) -> None:
    key = make_key()
    fw_repo.write("config/prod.env", f"POOLSIDE_API_KEY={key}\n")
    if policy == "pyproject.toml":
        fw_repo.write("pyproject.toml", '[tool.psguard]\nexclude = ["config/"]\n')
    else:
        fw_repo.write(".psguardignore", f"{_finding_id(key)}\n")
    fw_repo.git("add", "config/prod.env", policy)
    proc = git_run(fw_repo, "commit", "-m", "prod config")
    text = output(proc)
    assert proc.returncode != 0, text
    assert "commit blocked: 1 Poolside API key" in text
    assert f"this commit changes psguard's own files ({policy})" in text
    assert key not in text
    # committed on its own first, the policy applies to the next commit
    fw_repo.git("reset", "-q", "config/prod.env")
    ok = git_run(fw_repo, "commit", "-m", "policy")
    assert ok.returncode == 0, output(ok)
    fw_repo.git("add", "config/prod.env")
    later = git_run(fw_repo, "commit", "-m", "prod config")
    assert later.returncode == 0, output(later)


def test_pre_commit_framework_no_repo_config_ignores_a_committed_exclude(
        repo: Repo, framework: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRE_COMMIT_HOME", framework["home"])
    monkeypatch.delenv("SKIP", raising=False)
    repo.write(".psguard.toml", 'exclude = ["config/"]\n')
    repo.write(".pre-commit-config.yaml", _framework_config(framework, ["--no-repo-config"]))
    repo.commit("policy and hooks")
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo.path,
                          env=repo.env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    key = make_key()
    repo.write("config/prod.env", f"POOLSIDE_API_KEY={key}\n")
    repo.git("add", "config/prod.env")
    blocked = git_run(repo, "commit", "-m", "prod config")
    text = output(blocked)
    assert blocked.returncode != 0, text
    assert "commit blocked: 1 Poolside API key in the staged changes" in text
    assert "config/prod.env" in text and key not in text
    # without the option the committed exclude applies, as it always did
    repo.write(".pre-commit-config.yaml", _framework_config(framework))
    repo.git("add", ".pre-commit-config.yaml")
    allowed = git_run(repo, "commit", "-m", "prod config")
    assert allowed.returncode == 0, output(allowed)


def test_native_hook_on_an_unborn_branch_uses_no_repository_policy(repo: Repo) -> None:
    """The first commit of a repository has no HEAD to take a policy from: a key and
    the exclude for it in that commit are blocked."""
    installed = run_psguard("install", str(repo.path))
    assert installed.code == 0, installed.stderr
    key = make_key()
    repo.write("config/prod.env", f"POOLSIDE_API_KEY={key}\n")
    repo.write(".psguard.toml", 'exclude = ["config/"]\n')
    repo.git("add", ".")
    proc = git_run(repo, "commit", "-m", "first")
    text = output(proc)
    assert proc.returncode != 0, text
    assert "commit blocked: 1 Poolside API key" in text
    assert "this commit changes psguard's own files (.psguard.toml)" in text
    assert repo.git("rev-parse", "--verify", "-q", "HEAD", check=False) == ""


def test_commit_msg_hook_ignores_a_decode_switch_staged_in_the_same_commit(
        fw_repo: Repo) -> None:
    """`decode = false` staged with a commit whose message holds a base64-encoded key:
    the message is judged by HEAD's policy, which decodes."""
    key = make_key()
    encoded = base64.b64encode(f"POOLSIDE_API_KEY={key}".encode()).decode()
    fw_repo.write(".psguard.toml", "decode = false\n")
    fw_repo.git("add", ".psguard.toml")
    proc = git_run(fw_repo, "commit", "-m", f"deploy settings\n\ncreds: {encoded}\n")
    text = output(proc)
    assert proc.returncode != 0, text
    assert "commit blocked: the commit message holds a Poolside API key" in text
    assert "this commit changes psguard's own files (.psguard.toml)" in text
    assert key not in text
    assert fw_repo.git("log", "-1", "--format=%s") == "add pre-commit config"


def test_a_rule_file_the_base_names_is_read_from_the_base(tmp_path: Path,
                                                          git_home: Path) -> None:
    """main's config names its own rule file; a pull request that loosens that file
    (a minimum length no token reaches) is still judged by main's rule."""
    rule = '[[rule]]\nid = "internal-token"\nprefix = "tok-"\nmin_length = {n}\n'
    pr = PullRequest(tmp_path, git_home, {".psguard.toml": 'rules = ["ci/rules.toml"]\n',
                                          "ci/rules.toml": rule.format(n=20)})
    token = "tok-" + make_key()[3:]
    pr.open({"app.env": f"INTERNAL_TOKEN={token}\n",
             "ci/rules.toml": rule.format(n=200)})
    run = pr.ci("--format", "json")
    assert run.code == 1, run.stdout + run.stderr
    report = run.json()
    assert [f["rule"] for f in report["findings"]] == ["internal-token"]
    assert report["scan"]["policy_changes"] == ["ci/rules.toml"]
    assert token not in run.stdout + run.stderr


@pytest.mark.parametrize("system", ["github push", "gitlab merge request", "gitlab push"])
def test_other_ci_events_take_the_policy_from_their_base(system: str, tmp_path: Path,
                                                         git_home: Path) -> None:
    key = make_key()
    pr = PullRequest(tmp_path, git_home)
    head = pr.open({"config/prod.env": f"POOLSIDE_API_KEY={key}\n",
                    ".psguard.toml": 'exclude = ["config/"]\n'})
    if system == "github push":
        event = tmp_path / "push.json"
        event.write_text(json.dumps({"ref": "refs/heads/feature", "before": pr.base,
                                     "after": head}), encoding="utf-8")
        env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push",
               "GITHUB_EVENT_PATH": str(event)}
    elif system == "gitlab merge request":
        env = {"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
               "CI_MERGE_REQUEST_IID": "3", "CI_MERGE_REQUEST_DIFF_BASE_SHA": pr.base,
               "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": head, "CI_COMMIT_SHA": head}
    else:
        env = {"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "push",
               "CI_COMMIT_BEFORE_SHA": pr.base, "CI_COMMIT_SHA": head,
               "CI_COMMIT_BRANCH": "feature"}
    run = run_psguard("ci", "--format", "text", cwd=pr.repo.path, env=env)
    assert run.code == 1, run.stdout + run.stderr
    assert key[-4:] in run.stdout and key not in run.stdout + run.stderr
    assert ("policy change: This change modifies psguard's policy (.psguard.toml)"
            in run.stdout)
