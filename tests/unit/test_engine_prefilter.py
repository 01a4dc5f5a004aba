"""psguard.engine.prefilter: the collapsed gate finds every needle, anywhere."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest

from psguard.engine import prefilter
from psguard.engine.prefilter import CollapsedGate
from psguard.testing.keys import make_key

NEEDLES = [b"cHMt", b"BzL", b"wcy", b"UEsDB", b"H4sI", b"p" + b"s-"]


def _opens_on_each_needle_only(gate: CollapsedGate, seed: int, size: int) -> None:
    rng = random.Random(seed)
    # Digits and punctuation: never a needle, but some collapse like the needles' bytes.
    noise = bytes(rng.choice(b"0123456789 .,;:-\n") for _ in range(size))
    assert not gate.hits(noise)
    for needle in NEEDLES:
        at = rng.randrange(len(noise))
        assert gate.hits(noise[:at] + needle + noise[at:]), needle


def test_each_needle_opens_the_gate_and_text_without_them_does_not() -> None:
    _opens_on_each_needle_only(CollapsedGate(NEEDLES), 0, 20_000)


def test_a_needle_across_a_slice_boundary_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prefilter, "_GATE_SLICE", 1024)  # big data is translated in slices
    gate = CollapsedGate(NEEDLES)
    for shift in range(1, 5):
        data = b"." * (1024 - shift) + b"UEsDB" + b"." * 3000
        assert gate.hits(data), shift
    assert not gate.hits(b"." * 5000)


def test_every_needle_of_the_engine_opens_its_gate_chain() -> None:
    """With every decoder's needles (more than one gate's byte classes can hold, and
    some, such as `3Y3`, with a repeated byte that no window can take), each needle
    still opens the gate, and text without any does not."""
    from psguard.engine.nested import NestedDecoding
    from psguard.rules.loader import load_rules

    gate = NestedDecoding(load_rules()).any_gate
    assert gate.rest is not None  # they did not fit one gate
    rng = random.Random(1)
    noise = bytes(rng.choice(b"0123456789 .,;:\n") for _ in range(20_000))
    assert not gate.hits(noise)
    key = make_key(40).encode()
    for needle in gate.needles:
        piece = needle
        if needle in gate.checks:  # counts only where a key's body follows: encode one
            once = [base64.b64encode(b"\0" * lead + key) for lead in range(3)]
            twice = [base64.b64encode(b"\0" * lead + e) for e in once for lead in range(3)]
            piece = next(enc for enc in once + twice if needle in enc)
        at = rng.randrange(len(noise))
        assert gate.hits(noise[:at] + piece + noise[at:]), needle



def _fresh_memo(monkeypatch: pytest.MonkeyPatch, cache: object) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setattr(prefilter, "_memo", None)  # as in a new process


def test_the_window_search_runs_once_per_needle_list_across_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh_memo(monkeypatch, tmp_path)
    first = CollapsedGate(NEEDLES)
    _fresh_memo(monkeypatch, tmp_path)  # the next run: the answer comes from the cache
    monkeypatch.setattr(prefilter, "_choose_windows", lambda *_: pytest.fail("searched again"))
    again = CollapsedGate(NEEDLES)
    assert (again.table, again.windows) == (first.table, first.windows)


@pytest.mark.parametrize("planted", [
    {},  # nothing collapses: every needle is searched on its own
    {ord("."): 1, ord("0"): 2, ord(" "): 3},  # windows no needle has
    {b: 1 + b % 3 for b in range(256)},  # every byte collapses somewhere
    "not a table",
    {300: 1},
])
def test_whatever_the_cache_holds_the_gate_finds_every_needle(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, planted: object) -> None:
    """The cache is outside any repository, but a damaged or planted entry must still
    not shut the gate on a needle: any byte classes make a correct gate."""
    from psguard.usercache import store_memo_table

    _fresh_memo(monkeypatch, tmp_path)
    store_memo_table(prefilter._memo_name(), {tuple(n for n in NEEDLES if len(n) >= 3): planted})
    _opens_on_each_needle_only(CollapsedGate(NEEDLES), 2, 5_000)
