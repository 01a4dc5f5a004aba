"""Where a report goes: standard output, or --output FILE."""

from __future__ import annotations

import os
import sys
from pathlib import Path


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
