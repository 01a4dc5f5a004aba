"""What every hook shares: failing closed, the blocking message, bypass instructions.

Kept free of heavy imports (rich, httpx): this module runs on every commit.
The advice in a blocking message is stages.remediation's, laid out here. Its lines
quote paths, refs and git's own messages: fail_closed writes each through
psguard.escape.terminal, so none can move the cursor or fake a line of its own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from psguard.escape import terminal
from psguard.models import Candidate, Finding, Record, Remediation, ScanResult, scrub_keys

BYPASS = {
    "pre-commit": ("git commit --no-verify", "SKIP=psguard git commit"),
    "pre-push": ("git push --no-verify", "SKIP=psguard-push git push"),
    "commit-msg": ("git commit --no-verify", "SKIP=psguard-commit-msg git commit"),
}
# The server-side gate has no bypass for a check that cannot run: its administrator fixes it.
SERVER_FAILED = ("psguard: tell the server's administrator: the gate stays closed until it "
                 "can check pushes again (a `-o psguard.bypass` push option needs a working "
                 "check, which logs it).")


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

    if hook not in BYPASS:
        return [SERVER_FAILED]
    native, framework = BYPASS[hook]
    lines = [f"To go ahead anyway, deliberately: {native}"]
    if os.environ.get("PRE_COMMIT") == "1":
        lines.append(f"  (hooks run by the pre-commit framework: {framework})")
    return lines


def finding_lines(f: Finding, show_secrets: bool,
                  prefix: Callable[[Candidate], str] | None = None) -> list[str]:
    """The key, then its places (each after `prefix(place)`, e.g. the ref bringing it)."""
    from psguard.report.describe import describe_location

    shown = f.secret if show_secrets else f.redacted
    status = f.verification.status.replace("_", " ")
    lines = [f"  {shown}  ({f.confidence} confidence, {status})"]
    for c in f.candidates[:10]:
        lines.append(f"    {prefix(c) if prefix else ''}{describe_location(c)}")
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
    # remediation's words only when a change is blocked: not on the clean path
    from psguard.stages.remediation import REVOKE_IF_SHARED, rejected_note, revoke_first

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
    from psguard.stages.remediation import TEST_VALUE

    return Remediation(TEST_VALUE + ":")


def problems_lines(result: ScanResult) -> list[str]:
    return [f"psguard: warning: {p.kind}: {p.target}: {p.detail}" for p in result.problems
            if p.incomplete]


# What a hook does when the scan left something unread and found nothing blocking.
ALLOW_FLAG = "--allow-incomplete"
USER_TABLE, USER_KEY = "hooks", "allow_incomplete"
_WHAT = {"pre-commit": "commit", "pre-push": "push", "commit-msg": "commit"}


def incomplete_verdict(hook: str, result: ScanResult, allow_flag: bool, root: Path
                       ) -> Verdict | None:
    """None when the scan was complete. Otherwise a block (exit 3), unless the user
    allowed incomplete scans: with --allow-incomplete in the hook's arguments, or in
    their own config file (never a repository's: config.py refuses the key there)."""
    if result.complete:
        return None
    unread = [f"  {p.kind}: {p.target}: {p.detail}" for p in result.problems if p.incomplete]
    allowed_by = ALLOW_FLAG if allow_flag else allowed_in_user_config(root)
    if allowed_by is not None:
        return Verdict(0, [*problems_lines(result),
                           f"psguard: warning: the scan was incomplete (allowed by "
                           f"{allowed_by}); the {_WHAT[hook]} goes ahead"])
    return Verdict(3, [
        f"psguard: {_WHAT[hook]} blocked: the scan could not read everything, so a "
        "Poolside API key could be in what it skipped:", *unread, "",
        "What to do now:",
        "  1. Check what is listed by hand, or keep it out of git (a large file, an "
        "encrypted archive).",
        f"  2. To let incomplete scans through, set [{USER_TABLE}] {USER_KEY} = true in your "
        f"own config file ({user_config_file()}),",
        f"     or pass {ALLOW_FLAG} to `psguard hook` (pre-commit framework: args: "
        f"[{ALLOW_FLAG}]); a repository's config cannot set it.",
        "", *bypass_lines(hook)])


def user_config_file() -> Path:
    from psguard.verify.endpoints import user_config_path

    return user_config_path()


def allowed_in_user_config(root: Path) -> str | None:
    """The user's config file when it sets [hooks] allow_incomplete = true; None
    otherwise, and when that file lies inside the repository (it could be planted)."""
    from psguard.config import read_toml
    from psguard.errors import ConfigError
    from psguard.readfile import MissingFileError
    from psguard.usercache import is_inside

    path = user_config_file()
    if is_inside(path, root):
        return None
    try:
        table = read_toml(path).get(USER_TABLE, {})
    except MissingFileError:
        return None
    value = table.get(USER_KEY, False) if isinstance(table, dict) else None
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: [{USER_TABLE}] {USER_KEY} must be true or false")
    return str(path) if value else None
def policy_note(result: ScanResult) -> list[str]:
    """Said when the commit changes psguard's own files (the pipeline then judged it by
    HEAD's)."""
    if not result.policy_changes:
        return []
    return [f"psguard: note: this commit changes psguard's own files "
            f"({', '.join(result.policy_changes)}); they apply from the next commit on: "
            "this one was checked with HEAD's"]


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
        rerun = BYPASS[hook][0].replace(" --no-verify", "") if hook in BYPASS else \
            "psguard hook " + hook + " (in the hook's environment)"
        lines = [f"psguard: internal error in the {hook} hook: {detail}",
                 "psguard: the change was blocked because it could not be checked "
                 "(fail closed). Please report this bug with the command you ran.",
                 "psguard: to see where it failed: PSGUARD_DEBUG=1 " + rerun]
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
