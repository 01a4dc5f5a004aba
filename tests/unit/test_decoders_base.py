"""psguard.decoders.base and the registry: what every decoder shares."""

from __future__ import annotations

import subprocess
import sys

from psguard.decoders.archives import ArchiveDecoder
from psguard.decoders.base import Budget, DecodeLimits, OffsetMap
from psguard.decoders.registry import decoders_for
from psguard.models import Origin
from psguard.testing import PREFIX


def test_offset_map_is_piecewise_linear_between_breakpoints() -> None:
    # child [0, 5) = parent [0, 5); a 6-byte escape at parent 5 became 1 byte at child 5
    m = OffsetMap([0, 5, 6], [0, 5, 11])
    assert [m(0), m(4), m(5), m(6), m(9)] == [0, 4, 5, 11, 14]


def test_budget_problems_name_the_outer_target_and_how_it_was_decoded() -> None:
    budget = Budget(DecodeLimits(max_expanded=10))
    budget.expanded = 25
    assert budget.remaining == 0
    budget.problem(Origin(kind="blob", path="a.jar", decoded_from="zip:b.txt > base64"), "x")
    assert [(p.kind, p.target, p.incomplete) for p in budget.problems] == [
        ("not-scanned", "a.jar (zip:b.txt > base64)", True)]  # content left unread


def test_registry_runs_archives_first_and_only_they_are_exclusive() -> None:
    decoders = decoders_for((PREFIX.encode(),))
    assert isinstance(decoders[0], ArchiveDecoder)
    assert [d.exclusive for d in decoders] == [True] + [False] * (len(decoders) - 1)


def test_decoders_never_import_the_engine() -> None:
    code = ("import sys, psguard.decoders.registry; "
            "print(sorted(m for m in sys.modules if m.startswith('psguard.engine')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
