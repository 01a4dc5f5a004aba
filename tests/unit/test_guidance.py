"""One voice for advice: the hooks and every report say what remediation says.

Findings are built the way the pipeline leaves them (exposure facts set, remediation
attached), so no repository is needed; the outputs checked are what a person reads.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from psguard.hooks import commitmsg, precommit, prepush
from psguard.models import (
    Candidate,
    ExposureDetail,
    Finding,
    Origin,
    ScanResult,
    Verification,
    redact,
)
from psguard.report import render
from psguard.stages.remediation import (
    ACCEPT,
    MOVE,
    REVOKE,
    REVOKE_IF_SHARED,
    TEST_VALUE,
    general_steps,
    steps,
)
from psguard.testing import make_key

COMMIT = "c0ffee" * 6 + "abcd"
# Words that only a sentence about revoking uses: any other revoke wording shows up here.
REVOKE_MARKER = "Developer API Keys"


def finding(exposure: str, status: str = "not_checked", path: str = "config/app.env",
            key: str | None = None) -> Finding:
    key = key or make_key()
    committed = exposure in ("local", "pushed")
    origin = (Origin(kind="blob", path=path, commit=COMMIT) if committed
              else Origin(kind="blob", path=path))
    cand = Candidate(rule="poolside-api-key", secret=key, confidence="high", origin=origin,
                     line=1, column=18, offset=17, masked_line=f"POOLSIDE_API_KEY={redact(key)}")
    f = Finding(rule="poolside-api-key", secret=key, confidence="high", candidates=[cand])
    d = ExposureDetail(remote="origin", repo_dir="app")
    d.paths = [path]
    if committed:
        d.commits = [COMMIT]
    if exposure == "pushed":
        d.published_by = "origin/main"
    if exposure == "local":
        d.local_commits = [COMMIT]
        d.head = COMMIT
    f = f.replace(verification=Verification(status=status), exposure=exposure,
                  exposure_detail=d)
    return f.replace(remediation=steps(f))  # what run_scan attaches


def result_of(*findings: Finding, mode: str = "staged") -> ScanResult:
    result = ScanResult(mode=mode, target=".")
    result.findings = list(findings)
    return result


def hook_messages(f: Finding) -> dict[str, str]:
    plan = prepush.PushPlan(remote="origin")
    plan.refs.append("refs/heads/main")
    return {
        "pre-commit": "\n".join(precommit.blocked_message(result_of(f), [f], False)),
        "pre-push": "\n".join(prepush.blocked_message(plan, [f], False)),
        "commit-msg": "\n".join(commitmsg.blocked_message([f], False)),
    }


def report(fmt: str, *findings: Finding) -> str:
    return render(fmt, result_of(*findings), show_secrets=False, color=False)


def sarif_texts(f: Finding) -> tuple[str, list[str]]:
    """The rule's plain-text help and each result's message."""
    run = json.loads(report("sarif", f))["runs"][0]
    return (run["tool"]["driver"]["rules"][0]["help"]["text"],
            [r["message"]["text"] for r in run["results"]])


def assert_one_revoke_wording(text: str) -> None:
    assert text.count(REVOKE_MARKER) == text.count(REVOKE) >= 1, text


def test_a_pushed_key_gets_remediations_revoke_sentence_everywhere() -> None:
    f = finding("pushed")
    revoke_first = f.remediation[0].text
    assert revoke_first.startswith("Revoke it first: this key has been pushed "
                                   "(reachable from origin/main)")
    assert revoke_first.endswith(REVOKE)
    outputs = {**hook_messages(f), "markdown": report("markdown", f),
               "github": report("github", f)}
    help_text, messages = sarif_texts(f)
    outputs["sarif message"] = messages[0]
    for name, text in outputs.items():
        assert revoke_first in text, name
        assert_one_revoke_wording(text)
    junit = ET.fromstring(report("junit", f).encode())
    failure = junit.find("testsuite/testcase/failure")
    assert failure is not None and failure.text is not None
    assert revoke_first in failure.text
    # SARIF's rule help is the general advice, with the same sentence on how to revoke.
    assert_one_revoke_wording(help_text)


def test_a_hook_names_the_pushed_key_it_asks_to_revoke_first() -> None:
    f = finding("pushed")
    for name, text in hook_messages(f).items():
        assert f"{f.redacted}: {f.remediation[0].text}" in text, name
        assert REVOKE_IF_SHARED not in text, name  # a pushed key is not "in case"


@pytest.mark.parametrize("exposure", ["staged", "local"])
def test_a_key_not_pushed_gets_the_in_case_it_was_shared_step(exposure: str) -> None:
    f = finding(exposure)
    assert REVOKE_IF_SHARED in {s.text for s in f.remediation}
    for name, text in hook_messages(f).items():
        assert REVOKE_IF_SHARED in text, name
        assert "Revoke it first" not in text, name
        assert_one_revoke_wording(text)


def test_the_pre_commit_hook_gives_remediations_steps_for_a_staged_key() -> None:
    f = finding("staged", path="settings.py")
    text = hook_messages(f)["pre-commit"]
    for step in f.remediation:  # unstage, move out, stage again, revoke if shared
        assert f". {step.text}" in text
        if step.command:
            assert f"       {step.command}\n" in text
    assert "git restore --staged settings.py" in text
    assert MOVE in text


def test_the_pre_push_hook_gives_remediations_rewrite_step_for_an_unpushed_key() -> None:
    f = finding("local", path="deploy.sh")
    rewrite = f.remediation[0]
    assert rewrite.text.startswith("Do not push yet: the key is only in your last commit")
    text = hook_messages(f)["pre-push"]
    assert f"  1. {rewrite.text}\n       {rewrite.command}\n" in text
    assert f.remediation[1].text in text  # take it out of deploy.sh, and where it goes


def test_a_rejected_key_is_not_to_be_revoked() -> None:
    f = finding("staged", status="rejected")
    where = {"pre-commit": "config/app.env", "pre-push": "config/app.env",
             "commit-msg": "the file or message that holds it"}
    for name, text in hook_messages(f).items():
        assert REVOKE_MARKER not in text, name
        assert "so it grants no access and there is nothing to revoke" in text, name
        assert f"Delete the dead key from {where[name]}; if the code needs a key" in text, name


def test_native_hooks_do_not_name_the_frameworks_skip(monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    monkeypatch.delenv("PRE_COMMIT", raising=False)  # git runs the hook itself
    for name, text in hook_messages(finding("staged")).items():
        assert "SKIP=" not in text, name
        assert text.splitlines()[-1].startswith("To go ahead anyway, deliberately: git ")


def test_hooks_still_say_how_to_bypass_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRE_COMMIT", "1")  # what the framework sets for its hooks
    f = finding("staged")
    tails = {name: text.splitlines()[-2:] for name, text in hook_messages(f).items()}
    assert tails == {
        "pre-commit": ["To go ahead anyway, deliberately: git commit --no-verify",
                       "  (hooks run by the pre-commit framework: SKIP=psguard git commit)"],
        "pre-push": ["To go ahead anyway, deliberately: git push --no-verify",
                     "  (hooks run by the pre-commit framework: SKIP=psguard-push git push)"],
        "commit-msg": ["To go ahead anyway, deliberately: git commit --no-verify",
                       "  (hooks run by the pre-commit framework: SKIP=psguard-commit-msg "
                       "git commit)"],
    }


def test_hooks_that_block_a_file_offer_the_test_value_way_out() -> None:
    f = finding("staged")
    for name in ("pre-commit", "pre-push"):
        text = hook_messages(f)[name]
        assert f"{TEST_VALUE}:\n       {f.fingerprint}  ({f.redacted})" in text, name


@pytest.mark.parametrize("fmt", ["text", "github", "junit", "markdown"])
def test_every_report_says_how_to_accept_a_finding_the_same_way(fmt: str) -> None:
    f = finding("pushed")
    text = report(fmt, f)
    fingerprint = f"`{f.fingerprint}`" if fmt == "markdown" else f.fingerprint
    # The text report's line is the one the README shows; the others start a sentence.
    said = ACCEPT if fmt == "text" else ACCEPT[0].upper() + ACCEPT[1:]
    assert f"{said}: {fingerprint}" in text
    assert text.lower().count(".psguardignore") == text.lower().count(ACCEPT)


def test_sarif_rule_help_is_the_general_advice_in_text_and_markdown() -> None:
    help_ = json.loads(report("sarif", finding("pushed")))["runs"][0]["tool"]["driver"][
        "rules"][0]["help"]
    advice = general_steps()
    for fmt in ("text", "markdown"):
        lines = [line for line in help_[fmt].splitlines() if line[:2].rstrip(".").isdigit()]
        assert len(lines) == len(advice)
        assert REVOKE in lines[0] and MOVE in lines[1] and TEST_VALUE in lines[-1]
    assert "`git restore --staged <path>`" in help_["markdown"]
