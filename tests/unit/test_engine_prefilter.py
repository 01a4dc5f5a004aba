"""psguard.engine.prefilter: the collapsed gate finds every needle, anywhere."""

from __future__ import annotations

import base64
import random

import pytest

from psguard.engine import prefilter
from psguard.engine.prefilter import CollapsedGate
from psguard.testing.keys import make_key

NEEDLES = [b"cHMt", b"BzL", b"wcy", b"UEsDB", b"H4sI", b"p" + b"s-"]


def test_each_needle_opens_the_gate_and_text_without_them_does_not() -> None:
    gate = CollapsedGate(NEEDLES)
    rng = random.Random(0)
    # Digits and punctuation: never a needle, but some collapse like the needles' bytes.
    noise = bytes(rng.choice(b"0123456789 .,;:-\n") for _ in range(20_000))
    assert not gate.hits(noise)
    for needle in NEEDLES:
        at = rng.randrange(len(noise))
        assert gate.hits(noise[:at] + needle + noise[at:]), needle


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

