"""`psguard ci` takes the conventions `scan` has (one definition, commands/options):
-q/-v, --no-color and NO_COLOR, --exclude/--include, --exit-zero, -f/-o. Flags come from
the CI config, which the project controls, so they apply; a gate run with --exit-zero
says so on stderr and in the report and job summary, so it never passes unseen."""

from __future__ import annotations

import json
import os
from pathlib import Path

from psguard.testing import GIT_ENV, Repo, make_key, run_in_terminal, run_psguard

NO_CI = {"GITHUB_ACTIONS": "", "GITLAB_CI": "", "GITHUB_EVENT_PATH": "",
         "GITHUB_STEP_SUMMARY": ""}


def change_with_keys(repo: Repo) -> tuple[str, str, str, str]:
    """main, then a feature commit adding a key in app/ and one in vendor/."""
    repo.write("README.md", "project\n")
    base = repo.commit("initial")
    app, vendored = make_key(), make_key()
    repo.write("app/settings.env", f"POOLSIDE_API_KEY={app}\n")
    repo.write("vendor/lib/conf.env", f"POOLSIDE_API_KEY={vendored}\n")
    head = repo.commit("two keys")
    return base, head, app, vendored


def ci(repo: Repo, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    base, head = repo.git("rev-parse", "HEAD^"), repo.git("rev-parse", "HEAD")
    return run_psguard("ci", "--no-fetch", "--range", f"{base}..{head}", *args,
                       str(repo.path), env={**NO_CI, **(env or {})})


def paths(report: dict) -> set[str]:  # type: ignore[type-arg]
    return {loc["path"] for f in report["findings"] for loc in f["locations"]}


def test_quiet_prints_nothing_and_short_forms_write_the_report(repo: Repo,
                                                               tmp_path: Path) -> None:
    change_with_keys(repo)
    loud = ci(repo)
    assert loud.code == 1 and "psguard ci: " in loud.stderr and loud.stdout
    run = ci(repo, "--quiet")
    assert (run.code, run.stdout, run.stderr) == (1, "", "")
    out = tmp_path / "r.json"
    run = ci(repo, "-q", "-f", "json", "-o", str(out))
    assert (run.code, run.stdout, run.stderr) == (1, "", "")
    assert len(json.loads(out.read_text())["findings"]) == 2


def test_verbose_says_what_was_scanned(repo: Repo) -> None:
    change_with_keys(repo)
    run = ci(repo, "-v", "-f", "json")
    assert run.code == 1 and json.loads(run.stdout)["findings"]
    assert f"psguard: range scan of {repo.path}: 0 files, 2 blobs, 1 commit (" in run.stderr
    assert "; 2 findings, 0 suppressed, 0 problems" in run.stderr
    assert "ci: 2 Poolside API keys in 2 places; 1 commit scanned; failed" in run.stderr


def test_exclude_and_include_globs(repo: Repo) -> None:
    change_with_keys(repo)
    run = ci(repo, "--exclude", "vendor/", "-f", "json")
    assert run.code == 1 and paths(run.json()) == {"app/settings.env"}
    run = ci(repo, "--include", "vendor/**", "-f", "json")
    assert run.code == 1 and paths(run.json()) == {"vendor/lib/conf.env"}
    run = ci(repo, "--exclude", "vendor/", "--exclude", "app/", "-f", "json")
    assert run.code == 0 and run.json()["findings"] == []


def test_exit_zero_passes_the_gate_and_says_so_everywhere(repo: Repo, tmp_path: Path) -> None:
    base, head, app, _ = change_with_keys(repo)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": base},
                                                  "head": {"sha": head}}}))
    summary = tmp_path / "summary.md"
    github = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
              "GITHUB_EVENT_PATH": str(event), "GITHUB_STEP_SUMMARY": str(summary)}
    gate = run_psguard("ci", "--no-fetch", str(repo.path), env=github)
    assert gate.code == 1 and "Report only" not in gate.stdout + gate.stderr
    summary.unlink()

    run = run_psguard("ci", "--no-fetch", "--exit-zero", str(repo.path), env=github)
    assert run.code == 0, run.stderr
    assert ("psguard ci: warning: Report only (--exit-zero): this run exits 0 whatever it "
            "finds; 2 Poolside API keys found here would otherwise fail it.") in run.stderr
    assert "would fail; passed by --exit-zero (report only)" in run.stderr
    assert "::warning title=psguard%3A report only (--exit-zero)::Report only" in run.stdout
    assert "::error " in run.stdout  # the findings are still annotated
    shown = summary.read_text()
    assert "#### ⚠️ Report only" in shown and "--exit-zero" in shown
    assert app not in run.stdout + run.stderr + shown
    # --quiet keeps the warning: a gate that cannot fail must not look like one that passed
    quiet = run_psguard("ci", "--no-fetch", "--exit-zero", "-q", str(repo.path), env=github)
    assert quiet.code == 0 and quiet.stdout == ""
    assert quiet.stderr.startswith("psguard ci: warning: Report only (--exit-zero)")
    as_json = ci(repo, "--exit-zero", "-f", "json")
    assert as_json.code == 0 and as_json.json()["scan"]["report_only"] is True
    # SARIF, JUnit and GitLab's report say it where their readers look
    sarif = ci(repo, "--exit-zero", "-f", "sarif")
    notes = sarif.json()["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert sarif.code == 0 and notes[0]["descriptor"]["id"] == "psguard/report-only"
    junit = ci(repo, "--exit-zero", "-f", "junit")
    assert junit.code == 0 and "Report only (--exit-zero)" in junit.stdout
    gitlab = ci(repo, "--exit-zero", "-f", "gitlab")
    assert gitlab.json()["scan"]["messages"][0]["value"].startswith("Report only")
    for plain in (ci(repo, "-f", "sarif"), ci(repo, "-f", "junit"), ci(repo, "-f", "gitlab")):
        assert plain.code == 1 and "Report only" not in plain.stdout
    # a usage error is still one
    assert ci(repo, "--exit-zero", "--fail-on", "live").code == 2


def test_no_color_and_NO_COLOR(repo: Repo) -> None:
    change_with_keys(repo)
    env = {**os.environ, **GIT_ENV, **NO_CI, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    args = ["ci", "--no-fetch", "--range", "HEAD^..HEAD"]
    coloured = run_in_terminal(args, repo.path, env)
    assert "\x1b[" in coloured and "Poolside keys" in coloured
    plain = run_in_terminal([*args, "--no-color"], repo.path, env)
    assert "Poolside keys" in plain and "\x1b[" not in plain
    plain = run_in_terminal(args, repo.path, {**env, "NO_COLOR": "1"})
    assert "Poolside keys" in plain and "\x1b[" not in plain


def test_the_action_takes_exit_zero_and_exclude(repo: Repo) -> None:
    """action.yml's `exit-zero` and `exclude` inputs reach `psguard ci`: its run step,
    run by bash as the runner runs it, passes a report-only run and says so, and an
    excluded folder's key is not reported while the other one is."""
    import subprocess
    import sys

    import yaml

    action = yaml.safe_load((Path(__file__).resolve().parents[2] / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("name") == "psguard ci")
    assert step["env"]["INPUT_EXIT_ZERO"] == "${{ inputs.exit-zero }}"
    assert step["env"]["INPUT_EXCLUDE"] == "${{ inputs.exclude }}"
    base, head, app, _vendored = change_with_keys(repo)
    env = {**os.environ, **GIT_ENV, **NO_CI, "PSGUARD_PYTHON": sys.executable,
           "NO_COLOR": "1", "INPUT_FORMAT": "json", "INPUT_OUTPUT": "", "INPUT_VERIFY": "",
           "INPUT_ENDPOINT": "", "INPUT_FAIL_ON": "", "INPUT_RANGE": f"{base}..{head}",
           "INPUT_ALLOW_INCOMPLETE": "", "INPUT_REPO_CONFIG": ""}

    def action_run(**inputs: str) -> subprocess.CompletedProcess[str]:
        # --no-fetch is not an input: the range is local, nothing to deepen
        return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo.path,
                              env={**env, **inputs}, capture_output=True, text=True)

    gate = action_run(INPUT_EXIT_ZERO="false", INPUT_EXCLUDE="")
    assert gate.returncode == 1, gate.stderr
    report_only = action_run(INPUT_EXIT_ZERO="true", INPUT_EXCLUDE="vendor/\n*.md")
    assert report_only.returncode == 0, report_only.stderr
    assert "--exit-zero" in report_only.stderr
    found = json.loads(report_only.stdout)
    assert paths(found) == {"app/settings.env"}
    assert app not in report_only.stdout + report_only.stderr
