"""What every hook shares: failing closed, the blocking message, bypass instructions.

Kept free of heavy imports (rich, httpx): this module runs on every commit.
The advice in a blocking message is stages.remediation's, laid out here. Its lines
quote paths, refs and git's own messages: fail_closed writes each through
psguard.escape.terminal, so none can move the cursor or fake a line of its own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from psguard.escape import terminal
from psguard.models import Finding, Record, Remediation, ScanResult, scrub_keys
from psguard.stages.remediation import REVOKE_IF_SHARED, TEST_VALUE, rejected_note, revoke_first

BYPASS = {
    "pre-commit": ("git commit --no-verify", "SKIP=psguard git commit"),
    "pre-push": ("git push --no-verify", "SKIP=psguard-push git push"),
    "commit-msg": ("git commit --no-verify", "SKIP=psguard-commit-msg git commit"),
}


class Verdict(Record):
    """What a hook decided: exit code and the lines to print on stderr."""

    __slots__ = ("code", "lines")

    def __init__(self, code: int, lines: list[str]) -> None:
        self.code = code
        self.lines = lines


def bypass_lines(hook: str) -> list[str]:
    """git's own bypass; the framework's SKIP= only when the framework runs the hook
    (it sets PRE_COMMIT=1): a native hook ignores SKIP, so naming it would mislead."""
    import os

    native, framework = BYPASS[hook]
    lines = [f"To go ahead anyway, deliberately: {native}"]
    if os.environ.get("PRE_COMMIT") == "1":
        lines.append(f"  (hooks run by the pre-commit framework: {framework})")
    return lines


def finding_lines(f: Finding, show_secrets: bool) -> list[str]:
    from psguard.report.describe import describe_location

    shown = f.secret if show_secrets else f.redacted
    status = f.verification.status.replace("_", " ")
    lines = [f"  {shown}  ({f.confidence} confidence, {status})"]
    for c in f.candidates[:10]:
        lines.append(f"    {describe_location(c)}")
        if c.masked_line:
            masked = (c.masked_line.replace(f.redacted, f.secret) if show_secrets
                      else c.masked_line)
            lines.append(f"        {masked.strip()}")
    more = f.places - min(len(f.candidates), 10)
    if more:
        lines.append(f"    … and {more} more place(s)")
    return lines


def numbered(steps: list[Remediation]) -> list[str]:
    """The "What to do now" layout: numbered steps, each command indented below."""
    lines: list[str] = []
    for i, step in enumerate(steps, 1):
        lines.append(f"  {i}. {step.text}")
        if step.command:
            lines.append(f"       {step.command}")
    return lines


def revoke_steps(blocking: list[Finding]) -> list[Remediation]:
    """Whether to revoke, as remediation says it: a pushed key first, named; otherwise
    in case the key was shared; a key Poolside rejected has nothing to revoke."""
    alive = [f for f in blocking if f.verification.status != "rejected"]
    if not alive:
        return [_keyed(f, rejected_note(f)) for f in blocking]
    pushed = [f for f in alive if f.exposure == "pushed"]
    if pushed:
        return [_keyed(f, revoke_first(f)) for f in pushed]
    return [Remediation(REVOKE_IF_SHARED)]


def all_rejected(blocking: list[Finding]) -> bool:
    """Every key is dead: the steps say "delete", not "move"."""
    return all(f.verification.status == "rejected" for f in blocking)


def _keyed(f: Finding, step: Remediation) -> Remediation:
    return Remediation(f"{f.redacted}: {step.text}", step.command)


def fingerprint_lines(blocking: list[Finding]) -> list[str]:
    """Each blocking key's fingerprint, for the TEST_VALUE step right above them."""
    return [f"       {f.fingerprint}  ({f.redacted})" for f in blocking]


def allow_step() -> Remediation:
    return Remediation(TEST_VALUE + ":")


def problems_lines(result: ScanResult) -> list[str]:
    return [f"psguard: warning: {p.kind}: {p.target}: {p.detail}" for p in result.problems
            if p.incomplete]


def fail_closed(hook: str, run: Callable[[], Verdict]) -> int:
    """Run a hook; any unexpected error blocks (exit 2) with a message saying so."""
    from psguard.errors import PsguardError

    try:
        verdict = run()
    except KeyboardInterrupt:
        print("psguard: interrupted; blocked", file=sys.stderr)
        return 130
    except PsguardError as exc:
        lines = [f"psguard: error: {scrub_keys(str(exc))}",
                 f"psguard: the {hook} hook could not check this change, so it blocked it."]
        verdict = Verdict(2, [*lines, *bypass_lines(hook)])
    except Exception as exc:  # fail closed: never let a crash wave a commit through
        detail = scrub_keys(f"{type(exc).__name__}: {exc}")
        lines = [f"psguard: internal error in the {hook} hook: {detail}",
                 "psguard: the change was blocked because it could not be checked "
                 "(fail closed). Please report this bug with the command you ran.",
                 "psguard: to see where it failed: PSGUARD_DEBUG=1 " + BYPASS[hook][0]
                 .replace(" --no-verify", "")]
        verdict = Verdict(2, [*lines, *bypass_lines(hook)])
        import os

        if os.environ.get("PSGUARD_DEBUG"):
            import traceback

            sys.stderr.write("\n".join(terminal(line) for line in
                                       scrub_keys(traceback.format_exc()).splitlines()) + "\n")
    if verdict.lines:
        sys.stderr.write("\n".join(terminal(line) for line in verdict.lines) + "\n")
        sys.stderr.flush()
    return verdict.code
