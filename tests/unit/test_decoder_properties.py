"""Property tests for the decoders (base64, UTF-16, gzip, zip) through the Engine.

- A key planted in random surroundings and then encoded is always found, and the
  finding says how it was decoded.
- Random and adversarial bytes (valid encodings with bytes flipped, cut short or
  spliced together) never crash the engine; every plain candidate is literally in the
  input at its offset and every decoded candidate carries `decoded_from`.

CI runs the derandomized "ci" profile registered in conftest.py (the same inputs every
run); HYPOTHESIS_PROFILE=long runs 20,000 inputs per test with an example database.
"""

from __future__ import annotations

import base64
import gzip
import io
import zipfile

from hypothesis import assume, given
from hypothesis import strategies as st

import psguard
from psguard.engine.engine import Engine
from psguard.models import Candidate, Origin
from psguard.rules.loader import load_rules
from psguard.testing import BASE62, BASE64URL
from psguard.testing.strategies import NOISY as _NOISY
from psguard.testing.strategies import boundary as _boundary
from psguard.testing.strategies import key_from_seed

ENGINE = Engine(load_rules())
B64_BYTES = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=")
# Inner surroundings: printable text without the allow marker's letters run together.
_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e),
                max_size=120)
_KEY = st.builds(key_from_seed, st.integers(0, 2**32), st.integers(20, 80),
                 st.sampled_from([BASE62, BASE64URL]))


def _planted(key: str, before: bytes, after: bytes) -> bytes | None:
    """before + key + after with token boundaries kept; None when the key would sit on
    a line with an allow marker (a deliberate suppression, not a miss)."""
    alone = [f.secret for f in psguard.scan_text(key)]
    if alone != [key]:
        return None  # the rare random body the filters call a name is not a key
    before, after = _boundary(before, at_end=False), _boundary(after, at_end=True)
    data = before + key.encode() + after
    if b"allow" in data.lower():
        return None
    return data


def _scan(data: bytes) -> list[Candidate]:
    return ENGINE.scan_bytes(data, Origin(kind="file", path="f"))


def _check_invariants(data: bytes, cands: list[Candidate]) -> None:
    for c in cands:
        raw = c.secret.encode()
        if c.origin.decoded_from is None:
            assert data[c.offset:c.offset + len(raw)] == raw, c
        else:
            assert c.origin.decoded_from.strip(), c
        if c.masked_line is not None:
            assert c.secret not in c.masked_line


def _decoded_as(cands: list[Candidate], key: str) -> set[str | None]:
    return {c.origin.decoded_from for c in cands if c.secret == key}


def _outer(before: bytes, encoded: bytes, after: bytes) -> bytes:
    """Encoded text in random outer surroundings, separated so the run has clear ends.

    Not followed directly by a line break: a following line of base64-looking text
    (` Q+`) would read as the short last line of a wrapped block, a real ambiguity."""
    while before and before[-1] in B64_BYTES:
        before = before[:-1]
    while after and after[0] in B64_BYTES:
        after = after[1:]
    return before + b" " + encoded + b" \n" + after


@given(key=_KEY, inner_before=_NOISY, inner_after=_NOISY, outer_before=_NOISY,
       outer_after=_NOISY, urlsafe=st.booleans(), padded=st.booleans())
def test_base64_of_a_planted_key_is_found(key: str, inner_before: bytes, inner_after: bytes,
                                          outer_before: bytes, outer_after: bytes,
                                          urlsafe: bool, padded: bool) -> None:
    inner = _planted(key, inner_before, inner_after)
    assume(inner is not None)
    assert inner is not None
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(inner)
    if not padded:
        encoded = encoded.rstrip(b"=")
    data = _outer(outer_before, encoded, outer_after)
    cands = _scan(data)
    _check_invariants(data, cands)
    assert "base64" in _decoded_as(cands, key), (inner, encoded)


@given(key=_KEY, before=_TEXT, after=_TEXT,
       codec=st.sampled_from(["utf-16-le", "utf-16-be", "utf-16"]))
def test_utf16_of_a_planted_key_is_found(key: str, before: str, after: str,
                                         codec: str) -> None:
    inner = _planted(key, before.encode(), after.encode())
    assume(inner is not None)
    assert inner is not None
    data = inner.decode("ascii").encode(codec)  # "utf-16" writes a byte-order mark
    cands = _scan(data)
    _check_invariants(data, cands)
    assert _decoded_as(cands, key) & {"utf-16le", "utf-16be"}, (codec, data[:40])


@given(key=_KEY, before=_NOISY, after=_NOISY, level=st.integers(0, 9))
def test_gzip_of_a_planted_key_is_found(key: str, before: bytes, after: bytes,
                                        level: int) -> None:
    inner = _planted(key, before, after)
    assume(inner is not None)
    assert inner is not None
    data = gzip.compress(inner, compresslevel=level, mtime=0)
    cands = _scan(data)
    _check_invariants(data, cands)
    assert "gzip" in _decoded_as(cands, key)


_MEMBER = st.text(alphabet=BASE62 + "._-/ ", min_size=1, max_size=30).filter(
    lambda n: not n.endswith("/") and not n.startswith("/"))


@given(key=_KEY, before=_NOISY, after=_NOISY, name=_MEMBER,
       others=st.lists(st.binary(max_size=200), max_size=3),
       method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
def test_zip_member_with_a_planted_key_is_found(key: str, before: bytes, after: bytes,
                                                name: str, others: list[bytes],
                                                method: int) -> None:
    inner = _planted(key, before, after)
    assume(inner is not None)
    assert inner is not None
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for i, other in enumerate(others):
            zf.writestr(f"other{i}.bin", other)
        zf.writestr(name, inner)
    data = buf.getvalue()
    cands = _scan(data)
    _check_invariants(data, cands)
    assert f"zip:{name}" in _decoded_as(cands, key)


def _encodings(inner: bytes) -> list[bytes]:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.txt", inner)
        zf.writestr("b.gz", gzip.compress(inner, mtime=0))
    zipped = buf.getvalue()
    return [base64.b64encode(inner), base64.urlsafe_b64encode(inner).rstrip(b"="),
            inner.decode("latin-1").encode("utf-16-le"), gzip.compress(inner, mtime=0),
            zipped, base64.b64encode(zipped), base64.b64encode(gzip.compress(inner))]


@given(key=_KEY, which=st.integers(0, 6), prefix=st.binary(max_size=30),
       flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
       cut=st.one_of(st.none(), st.integers(0, 10**6)), tail=_NOISY)
def test_corrupted_encodings_never_crash_and_never_invent_keys(
        key: str, which: int, prefix: bytes, flips: list[tuple[int, int]],
        cut: int | None, tail: bytes) -> None:
    data = bytearray(_encodings(f"token = {key}\n".encode())[which])
    for pos, value in flips:
        data[pos % len(data)] = value
    if cut is not None:
        del data[cut % (len(data) + 1):]
    blob = (b"" if which in (3, 4) else prefix) + bytes(data) + tail  # archives: magic first
    cands = _scan(blob)
    _check_invariants(blob, cands)
    for c in cands:  # nothing that is not a token of the input or of a decoding
        assert c.secret.startswith("ps-")


@given(st.lists(st.sampled_from([
    b"cHMt", b"BzL", b"wcy", b"UEsDB", b"H4sI", b"PK\x03\x04", b"\x1f\x8b\x08",
    b"p\0s\0-\0", b"\0p\0s\0-", b"\xff\xfe", b"\xfe\xff", b"{\"a\": \"\\u002d", b"=",
    b"\n", b"ps-", b"A" * 40 + b"\n", b"ustar", b"\0" * 7]), max_size=40).map(b"".join),
    st.binary(max_size=64))
def test_gate_triggers_in_random_order_never_crash(pieces: bytes, noise: bytes) -> None:
    for data in (pieces, noise + pieces, pieces + noise, pieces.rjust(600, b"\0")):
        _check_invariants(data, _scan(data))
