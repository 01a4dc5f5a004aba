"""packwalk.apply_delta_fresh on random deltas: the result is what git's format
says, and every short run of the result outside the fresh ranges occurs in the base
(the property the delta-aware reader's skipping rests on)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psguard.git import compiled, packwalk
from psguard.git.packread import Unsupported, apply_delta
from psguard.git.packwalk import apply_delta_fresh


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _encode(base_size: int, ops: list[tuple[int, int] | bytes]) -> tuple[bytes, int]:
    """git's delta encoding of the ops; (delta, result size)."""
    body = bytearray()
    size = 0
    for op in ops:
        if isinstance(op, bytes):
            body += bytes([len(op)]) + op
            size += len(op)
            continue
        off, n = op
        c = 0x80
        args = bytearray()
        for i in range(4):
            if (off >> (8 * i)) & 0xFF:
                c |= 1 << i
                args.append((off >> (8 * i)) & 0xFF)
        for i in range(3):
            if (n >> (8 * i)) & 0xFF:
                c |= 0x10 << i
                args.append((n >> (8 * i)) & 0xFF)
        body += bytes([c]) + args
        size += n
    return _varint(base_size) + _varint(size) + bytes(body), size


@st.composite
def _deltas(draw: st.DrawFn) -> tuple[bytes, bytes]:
    # a small alphabet: the same runs recur, as in text
    base = draw(st.binary(min_size=1, max_size=300).map(lambda b: bytes(x % 4 for x in b)))
    ops: list[tuple[int, int] | bytes] = []
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.booleans()):
            off = draw(st.integers(0, len(base) - 1))
            ops.append((off, draw(st.integers(1, len(base) - off))))
        else:
            ops.append(draw(st.binary(min_size=1, max_size=20)))
    delta, _ = _encode(len(base), ops)
    return base, delta


@settings(max_examples=300, deadline=None)
@given(_deltas(), st.integers(0, 6))
def test_runs_outside_fresh_ranges_are_in_the_base(case: tuple[bytes, bytes],
                                                   window: int) -> None:
    base, delta = case
    data, fresh = apply_delta_fresh(base, delta, window)
    assert data == apply_delta(base, delta)
    inside = bytearray(len(data) + 1)
    for a, b in fresh:
        assert 0 <= a <= b <= len(data)
        for i in range(a, b):
            inside[i] = 1
    length = window + 1
    for start in range(len(data) - length + 1):
        run = data[start:start + length]
        if all(inside[start:start + length]):
            continue  # the fresh ranges cover it: it is asked
        assert run in base


def _outcome(fn: Callable[[bytes, bytes, int], object], base: bytes, delta: bytes,
             window: int) -> object:
    try:
        return fn(base, delta, window)
    except (Unsupported, IndexError):  # the Python loop's index error: a cut delta
        return "refused"


@settings(max_examples=400, deadline=None)
@given(_deltas(), st.integers(-1, 6), st.integers(0, 40), st.binary(max_size=4))
def test_the_compiled_loop_gives_what_the_python_loop_gives(
        case: tuple[bytes, bytes], window: int, cut: int, junk: bytes) -> None:
    """Same result and ranges on every delta, and each refuses the same damaged ones
    (cut short, trailing junk, a base of another size)."""
    if not compiled.built():
        pytest.skip("the compiled loop is not built here: "
                    "test_the_compiled_loop_is_built_where_ci_requires_it says if it must be")
    base, delta = case
    for b, d in ((base, delta), (base, delta[:max(2, len(delta) - cut)]),
                 (base, delta + junk), (base + b"x", delta)):
        assert _outcome(packwalk.apply_delta_fresh, b, d, window) == \
            _outcome(packwalk.python_apply_delta_fresh, b, d, window)


def test_the_compiled_loop_is_built_where_ci_requires_it() -> None:
    """.ci/run sets PSGUARD_REQUIRE_COMPILED=1: there a missing build fails, here it
    says why the comparison above was skipped."""
    if os.environ.get("PSGUARD_REQUIRE_COMPILED") != "1":
        pytest.skip("PSGUARD_REQUIRE_COMPILED is not set (only .ci/run sets it)")
    assert compiled.built()
