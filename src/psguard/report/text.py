"""The human report (rich): findings grouped by secret, then a summary.

A clean result is plain text without rich: importing it costs the pre-commit hook's
clean path about 25-65 ms, and there is nothing to style.
"""

from __future__ import annotations

import io
import re

from psguard.escape import terminal
from psguard.models import Candidate, Finding, Remediation, ScanResult
from psguard.report.describe import (
    count,
    describe_location,
    policy_change_text,
    reach_line,
    report_only_text,
    scanned_size,
)

TYPE_CHECKING = False  # not typing's: importing typing costs a clean hook run ~2 ms
if TYPE_CHECKING:
    from typing import Any

    from rich.console import Console

    from psguard.stages.remediation_group import Group

_STATUS_STYLE = {"live": "bold red", "unknown": "yellow", "rejected": "green",
                 "not_checked": "dim"}


def render(result: ScanResult, *, show_secrets: bool, color: bool,
           explain: bool = False) -> str:
    """`explain`: every step for every key; otherwise several pushed keys share one
    procedure, printed once after them (stages/remediation_group.py)."""
    if not result.findings:
        return "".join(text + "\n" for text, _style in summary_lines(result))
    from rich.console import Console

    from psguard.stages.remediation_group import group

    out = io.StringIO()
    # No emoji codes: a path holding ":warning:" is shown as written.
    console = Console(file=out, force_terminal=color, no_color=not color,
                      width=120 if not color else None, highlight=False, soft_wrap=True,
                      emoji=False)
    shared = None if explain else group(result.findings)
    for finding in result.findings:
        own = shared.own.get(finding.fingerprint) if shared else None
        _render_finding(console, finding, show_secrets, own)
    if shared is not None:
        _render_shared(console, shared)
    _render_summary(console, result)
    return out.getvalue()


def _render_finding(console: Console, f: Finding, show_secrets: bool,
                    own: list[Remediation] | None = None) -> None:
    """One key; `own`: it shares the pushed keys' procedure, and these steps are its own."""
    # here, not at the top: a clean report (every clean hook run) does not need it
    from psguard.stages.remediation import ACCEPT

    shown = f.secret if show_secrets else f.redacted
    status = f.verification.status
    head = (f"[bold]{escape(shown)}[/]  {f.confidence} confidence  "
            f"[{_STATUS_STYLE.get(status, '')}]{status.replace('_', ' ')}[/]  "
            f"exposure: {f.exposure or 'unknown (standard input)'}")
    if f.exposure_detail and f.exposure_detail.only_in:
        head += f" (only in {escape(', '.join(f.exposure_detail.only_in))})"
    if f.pre_existing:
        head += "  [dim](already in HEAD; not blocking)[/]"
    console.print(head)
    if f.verification.detail:
        console.print(f"  verification: {escape(f.verification.detail)}")
    reach = reach_line(f)
    if reach:  # the words come from a network peer: escaped like repository text
        console.print(f"  [bold]{escape(reach)}[/]")
    if f.first_seen and f.first_seen.get("commit") and own is None:
        fs = f.first_seen
        # A malformed commit header can leave either unknown (the scan warns about it).
        who = escape(str(fs.get("author") or "an unknown author"))
        console.print(f"  first seen: {escape(str(fs['commit'])[:12])} by {who}"
                      f" on {escape(str(fs.get('date') or 'an unknown date'))}")
    if f.refs and own is None:
        more = f" and {len(f.refs) - 5} more" if len(f.refs) > 5 else ""
        console.print(f"  reachable from: {escape(', '.join(f.refs[:5]))}{more}")
    if f.present_at_head is not None and own is None:
        console.print(f"  still in HEAD: {'yes' if f.present_at_head else 'no'}")
    for cand in f.candidates:
        _render_location(console, cand, f, show_secrets)
    if f.unlisted:
        console.print(f"  … and {f.unlisted} more place(s) in the same file(s), not listed")
    for note in f.notes:
        console.print(f"  note: {escape(note)}")
    if own is not None:
        from psguard.stages.remediation_group import short_line

        for line in _wrapped(short_line(f), "  ", "    "):
            console.print(escape(line))
        _print_steps(console, own, wrap=True, bullet="-")
    else:
        _print_steps(console, f.remediation)
    console.print(f"  [dim]{ACCEPT}: {f.fingerprint}[/]")
    console.print()


def _print_steps(console: Console, found: list[Remediation], wrap: bool = False,
                 bullet: str | None = None) -> None:
    """Numbered steps (or `bullet`ed: a key's own, beside the shared numbers); `wrap`:
    within WIDTH columns (a long command split over lines)."""
    for i, step in enumerate(found, 1):
        head = f"  {bullet} " if bullet else f"  {i}. "
        if wrap:
            for line in _wrapped(step.text, head, " " * len(head)):
                console.print(escape(line))
        else:
            console.print(f"{head}{escape(step.text)}")
        if step.command:
            parts = _command_lines(step.command) if wrap else [step.command]
            for j, part in enumerate(parts):
                lead = "       $ " if j == 0 else "           "
                console.print(f"[cyan]{lead}{escape(part)}[/]")


WIDTH = 100
# A command's words: a quoted string stays whole ("$(git remote get-url origin)").
_QUOTED_OR_WORD = re.compile(r"""(?:"[^"]*"|'[^']*'|[^\s"'])+""")


def _wrapped(text: str, first: str, rest: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False)


def _command_lines(command: str) -> list[str]:
    """A long `a && b && c` as shell continuation lines (the same command)."""
    if len(command) + 9 <= WIDTH:
        return [command]
    lines: list[str] = []
    for part in command.split(" && "):
        words = _QUOTED_OR_WORD.findall(part)
        line = ""
        for word in words:
            if line and len(line) + len(word) + 16 > WIDTH:
                lines.append(line + " \\")
                line = "  " + word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line + " && \\")
    lines[-1] = lines[-1][:-len(" && \\")]
    return lines


def _render_shared(console: Console, shared: Group) -> None:
    from psguard.stages.remediation_group import EXPLAIN

    n = len(shared.findings)
    for line in _wrapped(f"What to do about the {n} pushed keys, once for all of them "
                         f"({EXPLAIN}):", "", ""):
        console.print(f"[bold]{escape(line)}[/]")
    _print_steps(console, shared.shared, wrap=True)
    console.print()


def _render_location(console: Console, c: Candidate, f: Finding, show_secrets: bool) -> None:
    console.print(f"  {escape(describe_location(c))}")
    if c.masked_line:
        line = c.masked_line
        if show_secrets:
            line = line.replace(f.redacted, f.secret)
        console.print(f"      [dim]{escape(line)}[/]")


def summary_lines(result: ScanResult) -> list[tuple[str, str | None]]:
    """The closing lines, as (plain text, rich style or None)."""
    stats = result.stats
    scanned = (count(stats.files, "file") if result.mode in ("worktree", "staged")
               else f"{count(stats.blobs, 'blob')}, {count(stats.commits, 'commit')}")
    if result.mode == "stdin":
        scanned = "standard input"
    places = sum(f.places for f in result.findings)
    size = f"({scanned_size(stats)}) in {stats.seconds:.2f} s"
    if result.findings:
        head = (f"psguard: {count(len(result.findings), 'Poolside key')} in "
                f"{count(places, 'place')}; scanned {scanned} {size}")
    else:
        head = f"psguard: no Poolside keys found; scanned {scanned} {size}"
    lines: list[tuple[str, str | None]] = [(head, None)]
    repositories = getattr(result, "repositories", None)  # audits
    if repositories is not None:
        lines.append((f"  {repository_summary(repositories)}", None))
    if result.suppressed:
        names = {"inline": "allow comments", "ignore-file": ".psguardignore",
                 "baseline": "the baseline"}
        why = ", ".join(f"{n} by {names.get(k, k)}" for k, n in result.suppressed_by.items())
        lines.append((f"  {count(result.suppressed, 'finding')} suppressed"
                      + (f" ({why})" if why else " by allow comments, ignore file or baseline"),
                      None))
    for problem in result.problems:
        lines.append((terminal(f"  {problem.kind}: {problem.target}: {problem.detail}"),
                      "yellow"))
    if not result.complete:
        lines.append(("  the scan is incomplete: some content could not be read", "yellow"))
    changed = policy_change_text(result)
    if changed:
        lines.append((terminal(f"  policy change: {changed}"), "yellow"))
    report_only = report_only_text(result)
    if report_only:
        lines.append((f"  {report_only}", "yellow"))
    return lines


def repository_summary(repositories: list[Any]) -> str:
    """`audited 4 repositories: 3 scanned, 1 failed` (audits)."""
    counts: dict[str, int] = {}
    for repo in repositories:
        counts[str(repo.status)] = counts.get(str(repo.status), 0) + 1
    parts = ", ".join(f"{n} {status}" for status, n in counts.items())
    noun = "repository" if len(repositories) == 1 else "repositories"
    return f"audited {len(repositories)} {noun}: {parts}"


def _render_summary(console: Console, result: ScanResult) -> None:
    from rich.table import Table

    table = Table(title=None, show_header=True, header_style="bold")
    table.add_column("key")
    table.add_column("status")
    table.add_column("exposure")
    table.add_column("places", justify="right")
    for f in result.findings:
        table.add_row(escape(f.redacted), f.verification.status, f.exposure or "-",
                      str(f.places))
    console.print(table)
    for text, style in summary_lines(result):
        console.print(escape(text), style=style)


def escape(text: str) -> str:
    """Untrusted text for rich: control characters made visible, markup escaped."""
    from rich.markup import escape as rich_escape

    return rich_escape(terminal(text))
