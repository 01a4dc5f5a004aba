"""The history scan's terminal progress bar: the total is never cut at 80 columns."""

from __future__ import annotations

import io

from rich.console import Console

from psguard.sources.parallel import progress_bar


def _rendered(width: int, done: int, total: int) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=True, color_system=None)
    bar = progress_bar(console)
    task = bar.add_task("history", total=total, read="")
    bar.update(task, completed=done, read="14,638 MB 1,234 MB/s")
    console.print(bar.make_tasks_table(bar.tasks))
    return out.getvalue()


def test_progress_total_fits_an_80_column_terminal() -> None:
    line = _rendered(80, 1_269_774, 1_269_775)
    assert "1269774/1269775" in line
    assert "14,638 MB 1,234 MB/s" in line
    assert max(len(row) for row in line.splitlines()) <= 80
