"""Nested encodings and decompression bombs under a fuzzer, in a child bounded in CPU
time and memory.

Layers are stacked at random (gzip, bzip2-free stdlib formats psguard opens: gzip, zip,
tar, base64, UTF-16, JSON escapes) around either a key or a run of zeros that expands a
thousandfold, sometimes the same archive twice. Whatever the stack, a scan stays inside
the bounds (DecodeLimits caps expansion, members and depth), never raises, and every
candidate it reports is a key-shaped token.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import tarfile
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from psguard.engine.engine import Engine
from psguard.models import Origin
from psguard.rules.loader import load_rules
from psguard.testing.bounded import run_bounded
from psguard.testing.strategies import key_from_seed

ENGINE = Engine(load_rules())
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _zip(data: bytes, copies: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i in range(copies):
            zf.writestr(f"m{i}.bin", data)
    return buf.getvalue()


def _tar(data: bytes, copies: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for i in range(copies):
            info = tarfile.TarInfo(f"m{i}.bin")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


LAYERS = {
    "gzip": lambda d, n: gzip.compress(d, mtime=0),
    "zip": _zip,
    "tar": _tar,
    "base64": lambda d, n: base64.b64encode(d),
    "utf16": lambda d, n: d.decode("latin-1").encode("utf-16-le"),
    "json": lambda d, n: json.dumps({"v": d.decode("latin-1")}).encode(),
}
# Cheap to build, large once decoded: zeros compress about a thousandfold.
_CORES = st.one_of(
    st.integers(0, 2**32).map(lambda s: f"POOLSIDE_API_KEY={key_from_seed(s, 40, ALPHABET)}\n"
                              .encode()),
    st.sampled_from([b"\0" * (2 << 20), b"ps-" * 50_000, b"A" * (1 << 20)]),
)
_STACK = st.lists(st.tuples(st.sampled_from(sorted(LAYERS)), st.integers(1, 40)),
                  min_size=1, max_size=7)


def _build(core: bytes, stack: list[tuple[str, int]]) -> bytes:
    data = core
    for name, copies in stack:
        data = LAYERS[name](data, copies)
        if len(data) > 16 << 20:  # keep the input itself small enough to build quickly
            break
    return data


def _scan(data: bytes) -> None:
    for cand in ENGINE.scan_bytes(data, Origin(kind="file", path="bomb")):
        assert cand.secret.startswith("ps-") and len(cand.secret) <= 3 + 256, cand.secret


@settings(max_examples=30)  # each example is a bomb: fewer, bigger inputs
@given(_CORES, _STACK)
def test_stacked_encodings_scan_within_bounds(core: bytes, stack: list[tuple[str, int]]) -> None:
    data = _build(core, stack)
    run_bounded(lambda: _scan(data), cpu_seconds=30)
