"""psguard.engine.fastgate: the Hyperscan prefilter answers exactly what the
pure-Python gates answer, and the engine finds the same candidates on both paths.

Both paths run in every test: the Hyperscan one (hyperscan is in the `test` extra,
so CI has it) and the fallback, forced with PSGUARD_PREFILTER=python.
"""

from __future__ import annotations

import base64
import gzip
import random
import secrets

import pytest

from psguard.engine.engine import Engine
from psguard.engine.fastgate import FastGate
from psguard.models import Origin
from psguard.rules.loader import load_rules
from psguard.testing.corpus import build_corpus, zip_bytes
from psguard.testing.keys import make_key

P = b"p" + b"s-"


def _fragments(rng: random.Random) -> list[bytes]:
    """Pieces that open (or nearly open) each gate: prefixes with short and long
    bodies, keys in every encoding the decoders read, their triggers' literals."""
    key = make_key(rng.choice([16, 24, 40])).encode()
    short = P + b"a" * 15  # one body byte short of a candidate
    return [
        key, short, P + b"3", P + b"md-4", b"x" + key, key[:-1],
        base64.b64encode(b"k=" + key), base64.b64encode(b"x" + key)[:30],
        base64.b64encode(key)[:12], b"UEsDB", b"H4sI",
        key.decode().encode("utf-16-le"), b"p\0s\0-", b"\0", b"\\u00", b'{"a": "\\u0070',
        b"{", b"[", b"\n", b" ", b"ps", b"-", b"\\n" + key,
    ]


def _generated(seed: int, count: int = 400) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        parts = _fragments(rng)
        pieces = [rng.choice(parts) if rng.random() < 0.3 else
                  bytes(rng.choice(b"abc xyz=;\n\t{}[]\"'") for _ in range(rng.randrange(30)))
                  for _ in range(rng.randrange(1, 12))]
        data = b"".join(pieces)
        if rng.random() < 0.1:
            data = gzip.compress(data)
        elif rng.random() < 0.1:
            data = zip_bytes({"a.txt": data})
        elif rng.random() < 0.1:
            b64 = base64.b64encode(data * 8)
            data = b"\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
        out.append(data)
    return out


def _inputs(seed: int) -> list[bytes]:
    return [s.data for s in build_corpus(seed)] + _generated(seed)


def _engine(monkeypatch: pytest.MonkeyPatch, fast: bool) -> Engine:
    if fast:
        monkeypatch.delenv("PSGUARD_PREFILTER", raising=False)
    else:
        monkeypatch.setenv("PSGUARD_PREFILTER", "python")
    engine = Engine(load_rules())
    engine.scan_gated(b"", Origin(kind="blob", blob="0"))  # builds the gate, per the env
    return engine


def test_the_fallback_is_forced_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(_engine(monkeypatch, True).fast, FastGate)
    assert _engine(monkeypatch, False).fast is None


def test_triage_answers_what_the_python_gates_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    seed = secrets.randbits(32)
    engine = _engine(monkeypatch, True)
    gate = engine.fast
    nested = engine.nested
    assert gate is not None and nested is not None
    opened = [0, 0]
    for data in _inputs(seed):
        plain = any(r.candidate_re.search(data) for r in engine.rules)
        want = (plain, nested.may_match(data))
        assert gate.triage(data) == want, (seed, data[:80])
        opened[0] += want[0]
        opened[1] += want[1]
    # The inputs exercise both answers both ways.
    assert 0 < opened[0] < 800 and 0 < opened[1] < 800, opened


def test_both_paths_find_the_same_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    seed = secrets.randbits(32)
    fast = _engine(monkeypatch, True)
    slow = _engine(monkeypatch, False)
    found = 0
    for i, data in enumerate(_inputs(seed)):
        origin = Origin(kind="blob", blob=f"{i:040x}")
        p_fast: list[object] = []
        p_slow: list[object] = []
        got = fast.scan_gated(data, origin, p_fast)  # type: ignore[arg-type]
        assert got == slow.scan_gated(data, origin, p_slow), (seed, i)  # type: ignore[arg-type]
        assert got == slow.scan_bytes(data, origin)
        assert p_fast == p_slow
        found += len(got)
    assert found > 50


def test_the_gate_survives_pickling_into_another_process_shape() -> None:
    import pickle

    engine = Engine(load_rules())
    gate = FastGate(engine.ruleset, engine.nested)
    copy = pickle.loads(pickle.dumps(gate))
    key = make_key(32).encode()
    assert copy.triage(b"token = " + key) == (True, False)
    assert copy.triage(b"p-adding: " + P + b"3") == (False, False)
