"""The human report (rich): findings grouped by secret, then a summary."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from psguard.models import Candidate, Finding, ScanResult
from psguard.report.describe import describe_location, human_bytes

_STATUS_STYLE = {"live": "bold red", "unknown": "yellow", "rejected": "green",
                 "not_checked": "dim"}


def render(result: ScanResult, *, show_secrets: bool, color: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color,
                      width=120 if not color else None, highlight=False, soft_wrap=True)
    for finding in result.findings:
        _render_finding(console, finding, show_secrets)
    _render_summary(console, result)
    return out.getvalue()


def _render_finding(console: Console, f: Finding, show_secrets: bool) -> None:
    shown = f.secret if show_secrets else f.redacted
    status = f.verification.status
    head = (f"[bold]{escape(shown)}[/]  {f.confidence} confidence  "
            f"[{_STATUS_STYLE.get(status, '')}]{status.replace('_', ' ')}[/]  "
            f"exposure: {f.exposure or 'unknown (standard input)'}")
    if f.exposure_detail and f.exposure_detail.only_in:
        head += f" (only in {', '.join(f.exposure_detail.only_in)})"
    if f.pre_existing:
        head += "  [dim](already in HEAD; not blocking)[/]"
    console.print(head)
    if f.verification.detail:
        console.print(f"  verification: {escape(f.verification.detail)}")
    if f.first_seen and f.first_seen.get("commit"):
        fs = f.first_seen
        console.print(f"  first seen: {str(fs['commit'])[:12]} by {escape(str(fs.get('author')))}"
                      f" on {fs.get('date')}")
    if f.refs:
        more = f" and {len(f.refs) - 5} more" if len(f.refs) > 5 else ""
        console.print(f"  reachable from: {escape(', '.join(f.refs[:5]))}{more}")
    if f.present_at_head is not None:
        console.print(f"  still in HEAD: {'yes' if f.present_at_head else 'no'}")
    for cand in f.candidates:
        _render_location(console, cand, f, show_secrets)
    for note in f.notes:
        console.print(f"  note: {escape(note)}")
    for i, step in enumerate(f.remediation, 1):
        console.print(f"  {i}. {escape(step.text)}")
        if step.command:
            console.print(f"       [cyan]$ {escape(step.command)}[/]")
    console.print(f"  [dim]to accept this finding, add to .psguardignore: {f.fingerprint}[/]")
    console.print()


def _render_location(console: Console, c: Candidate, f: Finding, show_secrets: bool) -> None:
    console.print(f"  {escape(describe_location(c))}")
    if c.masked_line:
        line = c.masked_line
        if show_secrets:
            line = line.replace(f.redacted, f.secret)
        console.print(f"      [dim]{escape(line)}[/]")


def _render_summary(console: Console, result: ScanResult) -> None:
    stats = result.stats
    scanned = (f"{stats.files} files" if result.mode in ("worktree", "staged")
               else f"{stats.blobs} blobs, {stats.commits} commits")
    if result.mode == "stdin":
        scanned = "standard input"
    places = sum(len(f.candidates) for f in result.findings)
    if result.findings:
        table = Table(title=None, show_header=True, header_style="bold")
        table.add_column("key")
        table.add_column("status")
        table.add_column("exposure")
        table.add_column("places", justify="right")
        for f in result.findings:
            table.add_row(f.redacted, f.verification.status, f.exposure or "-",
                          str(len(f.candidates)))
        console.print(table)
        console.print(f"psguard: {len(result.findings)} Poolside key(s) in {places} place(s); "
                      f"scanned {scanned} ({human_bytes(stats.bytes)}) in "
                      f"{stats.seconds:.2f} s")
    else:
        console.print(f"psguard: no Poolside keys found; scanned {scanned} "
                      f"({human_bytes(stats.bytes)}) in {stats.seconds:.2f} s")
    if result.suppressed:
        names = {"inline": "allow comments", "ignore-file": ".psguardignore",
                 "baseline": "the baseline"}
        why = ", ".join(f"{n} by {names.get(k, k)}" for k, n in result.suppressed_by.items())
        console.print(f"  {result.suppressed} finding(s) suppressed"
                      + (f" ({why})" if why else " by allow comments, ignore file or baseline"))
    for problem in result.problems:
        console.print(f"  [yellow]{problem.kind}[/]: {escape(problem.target)}: "
                      f"{escape(problem.detail)}")
    if not result.complete:
        console.print("  [yellow]the scan is incomplete: some content could not be read[/]")
