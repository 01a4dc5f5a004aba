"""psguard.engine.fastgate: the Hyperscan prefilter answers exactly what the
pure-Python gates answer, and the engine finds the same candidates on both paths.

Both paths run in every test: the Hyperscan one (hyperscan is in the `test` extra,
so CI has it) and the fallback, forced with PSGUARD_PREFILTER=python.
"""

from __future__ import annotations

import base64
import gzip
import json
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
    # The encoded prefix followed by what is not a key's body (random bytes, a short
    # body, a non-body byte), cut short, or cut at a line end (wrapped base64).
    lead = b"x" * rng.randrange(3)
    not_body = base64.b64encode(lead + P + rng.randbytes(rng.randrange(8, 30)))
    near = base64.b64encode(lead + P + key[:rng.randrange(4, 15)] + b"\x01" + key)
    whole = base64.b64encode(lead + b"k=" + key)
    cut = rng.randrange(4, 40)
    return [
        not_body, near, whole[:cut], whole[:cut] + b"\n" + whole[cut:],
        whole[:cut] + b"\r\n  " + whole[cut:], base64.urlsafe_b64encode(lead + P + key),
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
            # escapes inside a member: what the inner levels' gate and the escape
            # decoders' no-second-unescape rule both decide
            escaped = json.dumps({"v": data.decode("latin-1")}).encode()
            data = zip_bytes({"b.json": escaped, "c.b64": base64.b64encode(escaped)})
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


def _gates(monkeypatch: pytest.MonkeyPatch, data: bytes) -> tuple[bool, bool]:
    """(Hyperscan's answer, the Python gate's) to: should the decoders look at data?"""
    engine = _engine(monkeypatch, True)
    assert engine.fast is not None and engine.nested is not None
    return engine.fast.triage(data)[1], engine.nested.may_match(data)


def test_an_encoded_prefix_in_base64_data_without_a_key_body_keeps_the_gates_shut(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # package-lock.json: thousands of sha512 hashes in base64, where `BzL`, `wcy` and
    # `cHMt` (base64 of `ps-` at its three alignments) occur by chance; decoded, what
    # follows `ps-` there is random bytes, not a key's body. The lines also hold
    # identifiers where the needles end a word (`ObzL`).
    rng = random.Random(secrets.randbits(32))
    lines = []
    for needle in (b"BzL", b"wcy", b"cHMt") * 30:
        digest = bytearray(base64.b64encode(rng.randbytes(64)))
        at = rng.randrange(0, 40)
        digest[at:at + len(needle)] = needle
        lines.append(b'      "integrity": "sha512-' + bytes(digest) + b'",')
        lines.append(b"  var ObzL = twcy(cHMt);")
    data = b"\n".join(lines) + b"\n"
    # the draw can make a real key's start (odds about 1e-6 a line): look again
    assert _gates(monkeypatch, data) == (False, False)
    # and one real base64-encoded key among them opens both
    key = make_key().encode()
    lines.insert(rng.randrange(len(lines)), b"  token: " + base64.b64encode(b"k=" + key))
    assert _gates(monkeypatch, b"\n".join(lines)) == (True, True)


@pytest.mark.parametrize("fast", [True, False])
def test_a_key_wrapped_right_after_its_encoded_prefix_is_found(
        monkeypatch: pytest.MonkeyPatch, fast: bool) -> None:
    # Base64 wrapped at 64 columns inside a YAML file (not at its start, so no whole
    # block: a window around the needle): the line break falls just after the needle,
    # the key's body is on the next line.
    engine = _engine(monkeypatch, fast)
    key = make_key(40)
    found = 0
    for pad in range(64):
        enc = base64.b64encode(("x" * pad + f"POOLSIDE_API_KEY={key}").encode())
        at, needle = min((enc.find(n), n) for n in (b"cHMt", b"BzL", b"wcy")
                         if enc.find(n) >= 0)
        rows = [enc[i:i + 64] for i in range(0, len(enc), 64)]
        end = at + len(needle)  # the needle on one line, the break within the next 12
        if (end - 1) // 64 == at // 64 and end // 64 != (end + 12) // 64:
            data = b"kind: Secret\ndata:\n  key: |\n" + b"".join(
                b"    " + r + b"\n" for r in rows) + b"other: 1\n"
            got = engine.scan_gated(data, Origin(kind="blob", blob="0" * 40))
            assert [c.secret for c in got] == [key], pad
            found += 1
    assert found >= 6
