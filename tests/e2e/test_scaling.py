"""Repeated keys cost linear time and bounded output: a file that repeats one key on one
line, or has a key on every line, is reported with at most 100 listed places per key
and file, and the count of the rest.

The curve itself (seconds per MB from 0.25 to 4 MB) is benchmarks/scaling_repeats.py;
here the structural property is checked, and the subprocess timeout only detects a
hang (the quadratic code took minutes on these files), it is not a speed limit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from psguard.testing import make_key, run_psguard
from psguard.testing.repeats import repeated_keys

HANG = 900
CAP = 100  # README: places listed per key and file
SIZE = 4 * 1024 * 1024


@pytest.mark.parametrize("layout", ["one-line", "every-line"])
def test_4mb_of_repeated_keys_lists_the_cap_and_counts_the_rest(tmp_path: Path,
                                                               layout: str) -> None:
    key = make_key()
    data, count = repeated_keys(key, SIZE, layout)
    (tmp_path / "big.log").write_bytes(data)
    run = run_psguard("scan", str(tmp_path), "--format", "json", timeout=HANG)
    assert run.code == 1, run.stderr
    (finding,) = run.json()["findings"]
    locations: list[dict[str, Any]] = finding["locations"]
    assert len(locations) == CAP
    assert finding["unlisted_locations"] == count - CAP
    # The first places in the file, in order, with their true line and column.
    if layout == "one-line":
        assert {loc["line"] for loc in locations} == {1}
        step = len(key) + 1
        assert [loc["column"] for loc in locations] == [1 + i * step for i in range(CAP)]
    else:
        assert [loc["line"] for loc in locations] == list(range(1, CAP + 1))
    assert key not in run.stdout


def test_text_report_says_how_many_places_are_not_listed(tmp_path: Path) -> None:
    key = make_key()
    data, count = repeated_keys(key, 256 * 1024, "every-line")
    (tmp_path / "big.log").write_bytes(data)
    run = run_psguard("scan", str(tmp_path), timeout=HANG)
    assert run.code == 1, run.stderr
    assert f"… and {count - CAP} more place(s) in the same file(s), not listed" in run.stdout
    assert f"1 Poolside key in {count} places" in run.stdout
