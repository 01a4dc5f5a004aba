"""Where a report goes: standard output, or --output FILE."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from psguard.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from psguard.models import ScanResult


def use_color(output: Path | None) -> bool:
    if output is not None or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def write_report(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output {output}: {exc.strerror}") from None


def tell_written(result: ScanResult, output: Path | None) -> None:
    """With --output the terminal would otherwise show nothing (a CI step failing with
    no word): the summary goes to stderr, with where the report went."""
    if output is None:
        return
    from psguard.escape import terminal
    from psguard.report.text import summary_lines

    lines = [text for text, _style in summary_lines(result)]
    lines.append(f"  report written to {terminal(str(output))}")
    sys.stderr.write("".join(line + "\n" for line in lines))
