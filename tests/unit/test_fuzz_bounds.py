"""psguard.testing.bounded: the fuzz tests' limits really stop a runaway call."""

from __future__ import annotations

import pytest

from psguard.testing.bounded import BoundExceeded, run_bounded


def _spin() -> None:
    while True:
        pass


def _hoard() -> None:
    hoard = []
    while True:
        hoard.append(bytearray(64 << 20))


def _fail() -> None:
    raise ValueError("told to fail")


def test_a_call_past_its_cpu_limit_is_stopped() -> None:
    with pytest.raises(BoundExceeded, match="CPU"):
        run_bounded(_spin, cpu_seconds=1)


def test_a_call_past_its_memory_limit_is_stopped() -> None:
    with pytest.raises(BoundExceeded, match="memory"):
        run_bounded(_hoard, memory_mb=256)


def test_a_failure_in_the_child_is_reported_with_its_message() -> None:
    with pytest.raises(AssertionError, match="told to fail"):
        run_bounded(_fail)


def test_a_call_within_its_limits_passes() -> None:
    run_bounded(lambda: sum(range(1000)))
