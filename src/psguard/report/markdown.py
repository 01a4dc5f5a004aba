"""Markdown for a pull-request comment or a GitHub job summary: a table, live keys
first, then what to do about each key.

Every string that is not psguard's own (paths, refs, problems, the steps that quote
paths) goes through psguard.escape: as text or as inline code, on one line, so it
cannot open a heading, an HTML comment or a table row of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from psguard.escape import markdown as text_md
from psguard.escape import markdown_code as code
from psguard.models import Finding, Remediation, ScanResult
from psguard.report.describe import (
    count,
    describe_location,
    policy_change_text,
    reach_line,
    report_only_text,
    scanned_size,
)
from psguard.report.guidance import (
    accept_line,
    exposure_label,
    shown_secret,
    status_label,
    step_text,
    steps,
)
from psguard.stages.grouping import finding_order

if TYPE_CHECKING:
    from psguard.stages.remediation_group import Group

MAX_PLACES = 5
_FILES = "POLICYFILES"  # where the policy change's paths go, as code
_STATUS_ICON = {"live": "🔴 live", "unknown": "🟠 unknown", "not_checked": "⚪ not checked",
                "rejected": "🟢 rejected (dead)"}


def _places(f: Finding) -> str:
    where = [code(describe_location(c), table=True) for c in f.candidates[:MAX_PLACES]]
    more = f.places - min(len(f.candidates), MAX_PLACES)
    if more > 0:
        where.append(f"and {more} more")
    return "<br>".join(where)


def _step_lines(found: list[Remediation], bullet: str | None = None) -> list[str]:
    out = []
    for i, step in enumerate(found, 1):
        text = f"{bullet or f'{i}.'} {text_md(step_text(step) if step.command else step.text)}"
        if step.command:
            text += f": {code(step.command)}"
        out.append(text)
    return out


def _shared_lines(shared: Group) -> list[str]:
    from psguard.stages.remediation_group import EXPLAIN

    head = f"What to do about the {len(shared.findings)} pushed keys, once for all of them"
    return [f"#### {text_md(head)}", "", text_md(f"({EXPLAIN}.)"), "",
            *_step_lines(shared.shared), ""]


def render(result: ScanResult, *, show_secrets: bool, color: bool,
           explain: bool = False) -> str:
    """`explain`: every step for every key; otherwise several pushed keys share one
    procedure, said once after them (stages/remediation_group.py)."""
    from psguard.stages.remediation_group import group, short_line

    findings = sorted(result.findings, key=finding_order)
    shared = None if explain else group(findings)
    lines: list[str] = []
    stats = result.stats
    if findings:
        places = sum(f.places for f in findings)
        live = sum(1 for f in findings if f.verification.status == "live")
        head = (f"### 🔑 psguard: {count(len(findings), 'Poolside API key')} in "
                f"{count(places, 'place')}")
        if live:
            head += f" — {live} live"
        lines += [head, ""]
        lines += ["| Key | Verification | Exposure | Where |",
                  "| --- | --- | --- | --- |"]
        for f in findings:
            status = _STATUS_ICON.get(f.verification.status,
                                      status_label(f.verification.status))
            exposure = exposure_label(f) + (" (already in HEAD)" if f.pre_existing else "")
            lines.append(f"| {code(shown_secret(f, show_secrets), table=True)} | "
                         f"{text_md(status)} | {text_md(exposure)} | {_places(f)} |")
        lines.append("")
        lines.append("#### What to do")
        lines.append("")
        for f in findings:
            lines.append(f"**{code(shown_secret(f, show_secrets))}** "
                         f"({text_md(status_label(f.verification.status))}, "
                         f"{text_md(exposure_label(f))}):")
            lines.append("")
            if reach_line(f):
                lines += [text_md(f"{reach_line(f)}."), ""]
            own = shared.own.get(f.fingerprint) if shared else None
            if own is not None:
                lines += [f"- {text_md(short_line(f))}", *_step_lines(own, "-"),
                          f"- {accept_line(f, code(f.fingerprint))}", ""]
                continue
            lines += _step_lines(steps(f))
            lines.append(f"{len(steps(f)) + 1}. {accept_line(f, code(f.fingerprint))}")
            lines.append("")
        if shared is not None:
            lines += _shared_lines(shared)
    else:
        lines += ["### ✅ psguard: no Poolside API keys found", ""]
    changed = policy_change_text(result, _FILES)
    if changed:  # the sentence as text; the paths (first) as code
        files = ", ".join(code(p) for p in result.policy_changes)
        lines += ["#### ⚠️ This change modifies psguard's policy", "",
                  text_md(changed).replace(_FILES, files, 1), ""]
    report_only = report_only_text(result)
    if report_only:
        lines += ["#### ⚠️ Report only", "", text_md(report_only), ""]
    scanned = (count(stats.files, "file") if result.mode in ("worktree", "staged")
               else f"{count(stats.blobs, 'blob')} in {count(stats.commits, 'commit')}")
    lines.append(f"<sub>{result.mode} scan of {scanned} ({scanned_size(stats)}) in "
                 f"{stats.seconds:.2f} s"
                 + (f"; {result.suppressed} suppressed" if result.suppressed else "")
                 + "</sub>")
    repositories = getattr(result, "repositories", None)  # audits
    if repositories:
        lines += ["", "| Repository | Status | Keys |", "| --- | --- | --- |"]
        lines += [f"| {code(r.url, table=True)} | "
                  f"{text_md(str(r.status) + (f' ({r.detail})' if r.detail else ''))} | "
                  f"{r.findings} |" for r in repositories]
    if result.problems:
        lines += ["", "**The scan could not read everything:**", ""]
        lines += [f"- {text_md(p.kind)}: {code(p.target)}: {text_md(p.detail)}"
                  for p in result.problems]
    return "\n".join(lines) + "\n"
