"""Where a report goes: standard output, or --output FILE."""

from __future__ import annotations

import os
import sys
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from psguard.models import ScanResult


def use_color(output: Path | None) -> bool:
    if output is not None or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def write_report(text: str, output: Path | None, *, private: bool = False) -> None:
    """To stdout, or to --output FILE, never through a link (psguard.outfile); private
    (the report holds raw keys, --show-secrets): the file is mode 0600."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from psguard.outfile import write_file

    write_file(output, text, what="--output", private=private)


def tell_written(result: ScanResult, output: Path | None, *, force: bool = False) -> None:
    """With --output the terminal would otherwise show nothing (a CI step failing with
    no word): the summary goes to stderr, with where the report went."""
    if output is None and not force:
        return
    from psguard.escape import terminal
    from psguard.report.text import summary_lines

    lines = [text for text, _style in summary_lines(result)]
    if output is not None:
        lines.append(f"  report written to {terminal(str(output))}")
    _say("".join(line + "\n" for line in lines))


def _say(text: str) -> None:
    """Words on stderr that must not change the outcome: a closed stderr (a pipe whose
    reader left) would otherwise end the run with the broken-pipe exit 0, fail open."""
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except OSError:
        pass


def tell_everything(result: ScanResult, output: Path | None) -> None:
    """--verbose: what was scanned and how much, and every problem, on stderr (the
    summary lines, which --output already prints there)."""
    from psguard.escape import terminal
    from psguard.report.describe import count, scanned_size

    stats = result.stats
    _say(terminal(
        f"psguard: {result.mode} scan of {result.target}: {count(stats.files, 'file')}, "
        f"{count(stats.blobs, 'blob')}, {count(stats.commits, 'commit')} "
        f"({scanned_size(stats)}) in {stats.seconds:.2f} s; "
        f"{count(len(result.findings), 'finding')}, {result.suppressed} suppressed, "
        f"{count(len(result.problems), 'problem')}") + "\n")
    if output is None:
        tell_written(result, None, force=True)


def deliver(result: ScanResult, fmt: str, output: Path | None, *, show_secrets: bool,
            quiet: bool, verbose: bool, summary: bool = True, explain: bool = False
            ) -> None:
    """The report and the words around it, the same for every command that scans
    (`scan`, `ci`): the report to stdout, or only to --output with --quiet; the summary
    on stderr when the report went to a file (`summary=False`: the command says its
    own); with --verbose, what was scanned; `explain`: every key every step (scan's
    --explain)."""
    from psguard.report import render

    text = render(fmt, result, show_secrets=show_secrets, color=use_color(output),
                  explain=explain)
    if output is not None or not quiet:
        write_report(text, output, private=show_secrets)
    if summary and not quiet:
        tell_written(result, output)
    if verbose:
        tell_everything(result, output)


def report_only_exit(code: int, result: ScanResult, who: str = "psguard") -> int:
    """--exit-zero: findings exit 0 (a usage error still 2, an incomplete scan 3), and
    stderr says so, even with --quiet: a gate that cannot fail must not look like one
    that passed."""
    from psguard.report.describe import report_only_text

    text = report_only_text(result)
    if text is None:
        return code
    _say(f"{who}: warning: {text}\n")
    return 0 if code == 1 else code
