"""`psguard hook pre-commit`: block a commit that adds a Poolside key.

Scans what the index would add to HEAD (app mode "staged"). The clean path imports
no rich, GitPython or httpx and runs a handful of git commands.
"""

from __future__ import annotations

from pathlib import Path

from psguard.hooks.common import Verdict, bypass_lines, finding_lines, problems_lines
from psguard.models import Finding, ScanResult


def check(path: Path, *, fail_on: list[str], config: Path | None = None,
          show_secrets: bool = False) -> Verdict:
    from psguard.app import ScanOptions, run_scan
    from psguard.policy import is_blocking, parse_fail_on

    statuses = parse_fail_on(fail_on)
    result = run_scan(ScanOptions(path=path, mode="staged", config=config))
    blocking = [f for f in result.findings if is_blocking(f, statuses)]
    if not blocking:
        lines = problems_lines(result)
        lines += _pre_existing_note(result)
        return Verdict(0, lines)
    return Verdict(1, blocked_message(result, blocking, show_secrets))


def _pre_existing_note(result: ScanResult) -> list[str]:
    old = [f for f in result.findings if f.pre_existing]
    if not old:
        return []
    return [f"psguard: note: {len(old)} key(s) already in HEAD in the files you changed "
            "(not blocking this commit); run `psguard scan` to see them"]


def blocked_message(result: ScanResult, blocking: list[Finding], show_secrets: bool) -> list[str]:
    from psguard.report.guidance import MOVE, REVOKE

    n = len(blocking)
    paths = sorted({c.origin.path for f in blocking for c in f.candidates if c.origin.path})
    lines = [f"psguard: commit blocked: {n} Poolside API key{'s' if n > 1 else ''} "
             "in the staged changes", ""]
    for f in blocking:
        lines += finding_lines(f, show_secrets)
    lines += ["", "What to do now:",
              "  1. Take the key out of the staged file(s) and stage the fix, or unstage them:",
              f"       git restore --staged -- {' '.join(_quote(p) for p in paths) or '<file>'}",
              f"  2. {MOVE}.",
              _leak_step(blocking, REVOKE),
              "  4. A test value rather than a real key? Add `psguard:allow` in a comment on "
              "its line, or its fingerprint to .psguardignore:"]
    lines += [f"       {f.fingerprint}  ({f.redacted})" for f in blocking]
    lines.append("")
    lines += bypass_lines("pre-commit")
    return lines


def _quote(path: str) -> str:
    import shlex

    return shlex.quote(path)


def _leak_step(blocking: list[Finding], revoke: str) -> str:
    pushed = [f.redacted for f in blocking if f.exposure == "pushed"]
    if pushed:
        return (f"  3. {', '.join(pushed)} is already in pushed commits: it has leaked, "
                f"whatever this commit does. {revoke}.")
    return ("  3. If the key was ever pushed, pasted or shared anywhere, treat it as leaked. "
            f"{revoke}.")
