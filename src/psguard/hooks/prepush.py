"""`psguard hook pre-push REMOTE URL`: block a push whose new commits add a key.

git writes one line per ref to the hook's standard input:
`<local ref> <local sha> <remote ref> <remote sha>`. For each ref the commits that
are not on the remote yet are those reachable from <local sha> but from none of:
<remote sha> (when this repository has it) and the remote-tracking refs of REMOTE.
That covers updates, new branches (remote sha all zeros: only the commits no branch
of the remote has) and force pushes; deletions (local sha all zeros) push nothing.
Any other line (a wrong number of fields, an id that is not the repository's full hex
object id) blocks the push: input the hook cannot read is never taken as "nothing to
push". No input at all is what git sends when nothing is pushed.

Under the pre-commit framework git's standard input is not passed on; the framework
gives PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF (and PRE_COMMIT_REMOTE_NAME,
PRE_COMMIT_LOCAL_BRANCH) instead, which this hook reads when they are set.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from psguard.errors import UsageError
from psguard.git.push import is_zero, known_to_remote
from psguard.git.snapshot import open_snapshot
from psguard.hooks.common import (
    Verdict,
    all_rejected,
    allow_step,
    bypass_lines,
    finding_lines,
    fingerprint_lines,
    incomplete_verdict,
    numbered,
    problems_lines,
    revoke_steps,
)
from psguard.models import ExposureDetail, Finding, Record, Remediation
from psguard.stages.remediation import finding_paths, move_step, rewrite_local


class PushPlan(Record):
    __slots__ = ("tips", "exclude", "refs", "remote")

    def __init__(self, remote: str | None = None) -> None:
        self.tips: list[str] = []  # local shas being pushed
        self.exclude: list[str] = []  # shas the remote already has
        self.refs: list[str] = []  # local refs, for messages
        self.remote = remote

    def revs(self) -> list[str]:
        return [*self.tips, "--not", *self.exclude] if self.exclude else list(self.tips)


_EXCERPT = 32  # characters of a bad input line quoted in the error


def plan_from_stdin(root: Path, remote: str | None, lines: list[str],
                    id_len: int = 40) -> PushPlan:
    """The push git describes on the hook's standard input; UsageError (the push is
    blocked) for a line that is not `<local ref> <local sha> <remote ref> <remote sha>`
    with ids of id_len hex digits. Empty lines carry no ref and are skipped."""
    plan = PushPlan(remote=remote)
    remote_shas: list[str] = []
    object_id = re.compile(f"[0-9a-f]{{{id_len}}}")
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        parts = raw.split(" ")
        if len(parts) != 4 or not all(object_id.fullmatch(p) for p in parts[1::2]):
            raise UsageError(f"pre-push input line {number} is not `<local ref> <local sha> "
                             f"<remote ref> <remote sha>` with {id_len}-digit object ids: "
                             f"{_excerpt(raw)}")
        local_ref, local_sha, _remote_ref, remote_sha = parts
        if is_zero(local_sha):
            continue  # deleting a remote ref pushes no content
        plan.tips.append(local_sha)
        plan.refs.append(local_ref)
        remote_shas.append(remote_sha)
    if plan.tips:
        plan.exclude = known_to_remote(root, remote, remote_shas)
    return plan


def plan_from_framework(root: Path, env: Mapping[str, str]) -> PushPlan | None:
    """The pre-commit framework's variables, or None when they are not set."""
    to_ref = env.get("PRE_COMMIT_TO_REF")
    from_ref = env.get("PRE_COMMIT_FROM_REF")
    remote = env.get("PRE_COMMIT_REMOTE_NAME")
    local = env.get("PRE_COMMIT_LOCAL_BRANCH")
    if not to_ref and not (remote and local):
        return None
    plan = PushPlan(remote=remote)
    plan.tips.append(to_ref or local or "HEAD")
    plan.refs.append(local or to_ref or "HEAD")
    # With no FROM_REF the framework found the push starts at a root commit: the
    # remote has none of it, and the tracking refs (if any) say what it does have.
    plan.exclude = known_to_remote(root, remote, [from_ref] if from_ref else [])
    return plan


def check(path: Path, hook_args: list[str], *, fail_on: list[str],
          config: Path | None = None, show_secrets: bool = False,
          env: Mapping[str, str] | None = None, stdin_lines: list[str] | None = None,
          allow_incomplete: bool = False, no_repo_config: bool = False) -> Verdict:
    env = os.environ if env is None else env
    snap = open_snapshot(path)
    root = snap.root
    plan = plan_from_framework(root, env)
    if plan is None:
        remote = hook_args[0] if hook_args else None
        if stdin_lines is None:
            stdin_lines = [] if sys.stdin is None or sys.stdin.isatty() else \
                os.fsdecode(sys.stdin.buffer.read()).splitlines()
        plan = plan_from_stdin(root, remote, stdin_lines, id_len=snap.hash_len * 2)
    if not plan.tips:
        return Verdict(0, [])
    return scan_plan(root, plan, fail_on=fail_on, config=config, show_secrets=show_secrets,
                     allow_incomplete=allow_incomplete, no_repo_config=no_repo_config)


def scan_plan(root: Path, plan: PushPlan, *, fail_on: list[str], config: Path | None,
              show_secrets: bool, allow_incomplete: bool = False,
              no_repo_config: bool = False) -> Verdict:
    from psguard.pipeline import run_scan
    from psguard.request import Mode, ScanRequest
    from psguard.stages.policy import is_blocking, parse_fail_on

    statuses = parse_fail_on(fail_on)
    result = run_scan(ScanRequest(path=root, mode=Mode.REVS, config=config, revs=plan.revs(),
                                  fail_on=fail_on, no_repo_config=no_repo_config))
    blocking = [f for f in result.findings if is_blocking(f, statuses)]
    if not blocking:
        unread = incomplete_verdict("pre-push", result, allow_incomplete, root)
        return unread or Verdict(0, problems_lines(result))
    return Verdict(1, blocked_message(plan, blocking, show_secrets))


def blocked_message(plan: PushPlan, blocking: list[Finding], show_secrets: bool) -> list[str]:
    n = len(blocking)
    remote = plan.remote or "the remote"
    lines = [f"psguard: push blocked: {n} Poolside API key{'s' if n > 1 else ''} in "
             f"commits not yet on {remote} ({', '.join(_short(r) for r in plan.refs)})", ""]
    for f in blocking:
        lines += finding_lines(f, show_secrets)
    lines += ["", "What to do now:"]
    lines += numbered([*_rewrite_steps(blocking), *revoke_steps(blocking), allow_step()])
    lines += fingerprint_lines(blocking)
    lines.append("")
    lines += bypass_lines("pre-push")
    return lines


def _rewrite_steps(blocking: list[Finding]) -> list[Remediation]:
    """Remediation's advice for keys in unpushed commits: rewrite each key's commits
    (once per distinct step), then move the keys out of the files."""
    steps: list[Remediation] = []
    for f in blocking:
        step = rewrite_local(f.exposure_detail or ExposureDetail(), finding_paths(f))
        if step not in steps:
            steps.append(step)
    paths = list(dict.fromkeys(p for f in blocking for p in finding_paths(f)))
    return [*steps, move_step(paths, all_rejected(blocking))]


def _excerpt(line: str) -> str:
    """The start of an input line, escaped (ascii), for an error: keys are redacted
    before the cut, so no part of one shows."""
    from psguard.models import scrub_keys

    shown = scrub_keys(line[:1024])
    return ascii(shown[:_EXCERPT]) + ("…" if len(shown) > _EXCERPT else "")


def _short(ref: str) -> str:
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref
