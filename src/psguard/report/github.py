"""GitHub Actions workflow commands: one annotation per place a key was seen.

https://docs.github.com/actions/reference/workflow-commands-for-github-actions
Values are escaped the way the Actions runner expects: % CR LF in the message;
additionally : and , in property values (psguard.escape). Each line of a message and
the title also have their control characters made visible; the `file` property keeps
the real path, so GitHub attaches the annotation to that file.
"""

from __future__ import annotations

from psguard.escape import terminal, workflow_data, workflow_property
from psguard.models import Candidate, Finding, ScanResult
from psguard.report.describe import (
    POLICY_CHANGE_TITLE,
    REPORT_ONLY_TITLE,
    count,
    describe_location,
    policy_change_text,
    reach_line,
    report_only_text,
)
from psguard.report.guidance import (
    accept_line,
    exposure_label,
    shown_secret,
    status_label,
    step_line,
    steps,
)


def command(level: str, message: str, **props: str | int | None) -> str:
    fields = ",".join(f"{k}={workflow_property(str(v))}" for k, v in props.items()
                      if v is not None)
    return f"::{level}{' ' + fields if fields else ''}::{workflow_data(message)}"


def _shown(lines: list[str]) -> str:
    """A message of several lines, each one's control characters made visible."""
    return "\n".join(terminal(line) for line in lines)


def _level(f: Finding) -> str:
    if f.pre_existing:
        return "notice"
    return "warning" if f.verification.status == "rejected" else "error"


def annotation(f: Finding, c: Candidate, show_secrets: bool) -> str:
    shown = shown_secret(f, show_secrets)
    title = f"Poolside API key {shown} ({status_label(f.verification.status)})"
    lines = [f"Poolside API key {shown} at {describe_location(c)}; "
             f"exposure: {exposure_label(f)}."]
    if f.pre_existing:
        lines.append("It was already in HEAD before this change.")
    if reach_line(f):
        lines.append(f"{reach_line(f)}.")
    lines += [f"{i}. {step_line(step)}" for i, step in enumerate(steps(f), 1)]
    lines.append(accept_line(f))
    props: dict[str, str | int | None] = {}
    if c.origin.kind in ("file", "blob") and c.origin.path:
        props["file"] = c.origin.path
        if c.line is not None:
            props["line"] = c.line
            props["endLine"] = c.line
            if c.column is not None:
                props["col"] = c.column
                props["endColumn"] = c.column + len(f.secret)
    props["title"] = terminal(title)
    return command(_level(f), _shown(lines), **props)


def render(result: ScanResult, *, show_secrets: bool, color: bool) -> str:
    out = [annotation(f, c, show_secrets) for f in result.findings for c in f.candidates]
    for p in result.problems:
        out.append(command("warning", _shown([f"psguard could not read {p.target}: "
                                              f"{p.detail}"]),
                           title=terminal(f"psguard: {p.kind}")))
    changed = policy_change_text(result)
    if changed:
        for path in result.policy_changes:
            out.append(command("warning", terminal(changed), file=path,
                               title=POLICY_CHANGE_TITLE))
    report_only = report_only_text(result)
    if report_only:
        out.append(command("warning", report_only, title=REPORT_ONLY_TITLE))
    places = sum(f.places for f in result.findings)
    if result.findings:
        out.append(command("notice", f"psguard: {count(len(result.findings), 'Poolside API key')} "
                                     f"in {count(places, 'place')}", title="psguard"))
    else:
        out.append(command("notice", "psguard: no Poolside API keys found", title="psguard"))
    return "\n".join(out) + "\n"
