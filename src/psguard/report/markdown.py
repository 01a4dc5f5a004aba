"""Markdown for a pull-request comment or a GitHub job summary: a table, live keys
first, then what to do about each key.

Every string that is not psguard's own (paths, refs, problems, the steps that quote
paths) goes through psguard.escape: as text or as inline code, on one line, so it
cannot open a heading, an HTML comment or a table row of its own."""

from __future__ import annotations

from psguard.escape import markdown as text_md
from psguard.escape import markdown_code as code
from psguard.models import Finding, ScanResult
from psguard.report.describe import describe_location, human_bytes
from psguard.report.guidance import (
    accept_line,
    exposure_label,
    shown_secret,
    status_label,
    step_text,
    steps,
)
from psguard.stages.grouping import finding_order

MAX_PLACES = 5
_STATUS_ICON = {"live": "🔴 live", "unknown": "🟠 unknown", "not_checked": "⚪ not checked",
                "rejected": "🟢 rejected (dead)"}


def _places(f: Finding) -> str:
    where = [code(describe_location(c), table=True) for c in f.candidates[:MAX_PLACES]]
    more = f.places - min(len(f.candidates), MAX_PLACES)
    if more > 0:
        where.append(f"and {more} more")
    return "<br>".join(where)


def render(result: ScanResult, *, show_secrets: bool, color: bool) -> str:
    findings = sorted(result.findings, key=finding_order)
    lines: list[str] = []
    stats = result.stats
    if findings:
        places = sum(f.places for f in findings)
        live = sum(1 for f in findings if f.verification.status == "live")
        head = f"### 🔑 psguard: {len(findings)} Poolside API key(s) in {places} place(s)"
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
            for i, step in enumerate(steps(f), 1):
                text = f"{i}. {text_md(step_text(step) if step.command else step.text)}"
                if step.command:
                    text += f": {code(step.command)}"
                lines.append(text)
            lines.append(f"{len(steps(f)) + 1}. {accept_line(f, code(f.fingerprint))}")
            lines.append("")
    else:
        lines += ["### ✅ psguard: no Poolside API keys found", ""]
    scanned = (f"{stats.files} files" if result.mode in ("worktree", "staged")
               else f"{stats.blobs} blobs in {stats.commits} commits")
    lines.append(f"<sub>{result.mode} scan of {scanned} ({human_bytes(stats.bytes)}) in "
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
