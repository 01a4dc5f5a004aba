"""Property tests for the engine: never crash, never invent a key, always find a planted one.

CI runs the derandomized "ci" profile (same inputs every run); run the long profile
locally with HYPOTHESIS_PROFILE=long python -m pytest tests/unit/test_properties.py.
"""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

import psguard
from psguard.engine.engine import Engine
from psguard.models import Origin
from psguard.rules.loader import load_rules
from psguard.testing import BASE62, BASE64URL
from psguard.testing.strategies import NOISY as _NOISY
from psguard.testing.strategies import TOKEN_BYTES, boundary, key_from_seed

ENGINE = Engine(load_rules())
@given(_NOISY)
def test_arbitrary_bytes_never_crash_and_every_key_is_in_the_input(data: bytes) -> None:
    for cand in ENGINE.scan_bytes(data, Origin(kind="file", path="x")):
        raw = cand.secret.encode()
        assert data[cand.offset : cand.offset + len(raw)] == raw
        before = data[cand.offset - 1] if cand.offset else None
        after_index = cand.offset + len(raw)
        after = data[after_index] if after_index < len(data) else None
        assert before not in TOKEN_BYTES and after not in TOKEN_BYTES
        if cand.masked_line is not None:
            assert cand.secret not in cand.masked_line


@given(st.binary(max_size=2000))
def test_random_binary_never_crashes(data: bytes) -> None:
    assert isinstance(psguard.scan_bytes(data, min_confidence="low"), list)


@given(before=_NOISY, after=_NOISY, seed=st.integers(0, 2**32),
       length=st.integers(20, 96), alphabet=st.sampled_from([BASE62, BASE64URL]))
def test_a_planted_key_is_always_found(before: bytes, after: bytes, seed: int, length: int,
                                       alphabet: str) -> None:
    key = key_from_seed(seed, length, alphabet)
    alone = [f.secret for f in psguard.scan_text(key)]
    assume(alone == [key])  # the rare random body the filters call a name is not a key
    before, after = boundary(before, at_end=False), boundary(after, at_end=True)
    # An allow marker on the key's own line is a deliberate suppression, not a miss.
    line_start = before.rfind(b"\n") + 1
    line_end = after.find(b"\n")
    line = before[line_start:] + after[: len(after) if line_end < 0 else line_end]
    assume(b"psguard:allow" not in line)
    data = before + key.encode() + after
    found = {c.secret for c in ENGINE.scan_bytes(data, Origin(kind="file"))}
    assert key in found
