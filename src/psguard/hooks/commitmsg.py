"""`psguard hook commit-msg FILE`: block a commit whose message holds a key.

A message is pushed and mirrored with the commit, and unlike a file it cannot be fixed
by a later commit: only rewriting history removes it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from psguard.hooks.common import (
    Verdict,
    all_rejected,
    bypass_lines,
    finding_lines,
    incomplete_verdict,
    numbered,
    policy_note,
    revoke_steps,
)
from psguard.models import Finding, Remediation
from psguard.stages.remediation import move_step

# Only this hook says it: git keeps the rejected message, so it can be fixed and reused.
REWRITE_MESSAGE = Remediation(
    "Remove the key from the message and commit again. git kept your message in "
    ".git/COMMIT_EDITMSG:",
    "git commit -e -F .git/COMMIT_EDITMSG   (add --amend if you were amending)")


def editor_was_used(env: Mapping[str, str]) -> bool:
    """git tells its commit-msg hook that no editor ran (`-m`, `-F`, `--no-edit`) by
    setting GIT_EDITOR to ":"; then git's default cleanup keeps `#` lines and cuts
    nothing at a scissors line."""
    return env.get("GIT_EDITOR") != ":"


def check(message_file: Path, *, fail_on: list[str], config: Path | None = None,
          show_secrets: bool = False, allow_incomplete: bool = False,
          no_repo_config: bool = False) -> Verdict:
    from psguard.pipeline import run_scan
    from psguard.request import Mode, ScanRequest
    from psguard.stages.policy import is_blocking, parse_fail_on

    statuses = parse_fail_on(fail_on)
    result = run_scan(ScanRequest(path=Path("."), mode=Mode.COMMIT_MSG, config=config,
                                  fail_on=fail_on, no_repo_config=no_repo_config,
                                  message_file=message_file,
                                  message_edited=editor_was_used(os.environ)))
    blocking = [f for f in result.findings if is_blocking(f, statuses)]
    if not blocking:
        unread = incomplete_verdict("commit-msg", result, allow_incomplete, Path("."))
        return unread or Verdict(0, [])
    return Verdict(1, blocked_message(blocking, show_secrets) + policy_note(result))


def blocked_message(blocking: list[Finding], show_secrets: bool) -> list[str]:
    lines = ["psguard: commit blocked: the commit message holds a Poolside API key", ""]
    for f in blocking:
        lines += finding_lines(f, show_secrets)
    lines += ["", "What to do now:"]
    lines += numbered([REWRITE_MESSAGE, move_step([], all_rejected(blocking)),
                       *revoke_steps(blocking)])
    lines.append("")
    lines += bypass_lines("commit-msg")
    return lines
