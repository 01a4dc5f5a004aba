"""Decoders: encoded and packed keys are found, hostile input stays bounded.

Keys are built at run time (conftest.make_key). Bounds are asserted through what a
user observes: findings with their `decoded_from`, and `not-scanned` problems.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import pickle
import tarfile
import zipfile
from pathlib import Path

import pytest

from psguard.decoders.base import DecodeLimits
from psguard.engine.engine import Engine
from psguard.models import Origin, Problem
from psguard.rules.loader import load_rules
from psguard.testing import make_key, run_psguard

RULES = load_rules()


def scan(data: bytes, engine: Engine | None = None
         ) -> tuple[list[tuple[str, str | None, int | None]], list[Problem]]:
    problems: list[Problem] = []
    cands = (engine or Engine(RULES)).scan_bytes(data, Origin(kind="file", path="f"),
                                                 problems)
    return [(c.secret, c.origin.decoded_from, c.line) for c in cands], problems


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


@pytest.mark.parametrize("lead", ["", "x", "xy"])  # all three base64 alignments
@pytest.mark.parametrize("urlsafe", [False, True])
def test_base64_runs_at_every_alignment_padded_or_not(lead: str, urlsafe: bool) -> None:
    key = make_key()
    raw = f"{lead}POOLSIDE_API_KEY={key}\n".encode()
    enc = base64.urlsafe_b64encode(raw).rstrip(b"=") if urlsafe else base64.b64encode(raw)
    data = b"apiVersion: v1\nkind: Secret\ndata:\n  env: " + enc + b"\n"
    found, _ = scan(data)
    # Reported at the encoded text: line 4 of the manifest.
    assert found == [(key, "base64", 4)]


def test_wrapped_base64_file_even_when_the_encoded_prefix_spans_a_line_break() -> None:
    for _ in range(20):  # different offsets put the encoded prefix across lines
        key = make_key()
        text = os.urandom(3).hex().encode() * 40 + f" key={key}\n".encode()
        found, _ = scan(base64.encodebytes(text))
        assert [(s, d) for s, d, _ in found] == [(key, "base64")]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_with_or_without_bom(codec: str) -> None:
    key = make_key()
    data = f"first line\r\n$env:POOLSIDE_API_KEY = '{key}'\r\n".encode(codec)
    found, _ = scan(data)
    label = "utf-16be" if codec.endswith("be") else "utf-16le"
    assert found == [(key, label, 2)]


def test_archives_name_the_member_and_nest() -> None:
    key = make_key()
    env = f"POOLSIDE_API_KEY={key}\n".encode()
    inner = zip_bytes({"META-INF/app.properties": b"# conf\n" + env})
    outer = zip_bytes({"lib/app.jar": inner, "README": b"hello"})
    found, _ = scan(outer)
    assert found == [(key, "zip:lib/app.jar > zip:META-INF/app.properties", 2)]

    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w:gz") as tf:
        info = tarfile.TarInfo("pkg/.env")
        info.size = len(env)
        tf.addfile(info, io.BytesIO(env))
    assert scan(tar_buf.getvalue())[0] == [(key, "gzip > tar:pkg/.env", 1)]
    assert scan(gzip.compress(env))[0] == [(key, "gzip", 1)]
    # An archive committed as base64 (e.g. in a manifest), stored member or not.
    stored = zip_bytes({"k.txt": env}, zipfile.ZIP_STORED)
    assert scan(b"blob: " + base64.b64encode(stored) + b"\n")[0] == [
        (key, "base64 > zip:k.txt", 1)]


def test_json_escapes_and_notebook_outputs() -> None:
    key = make_key()
    escaped = key[:2] + "\\u002d" + key[3:]
    doc = '{"url": "https:\\/\\/inference.poolside.ai\\/v1", "key": "' + escaped + '"}'
    assert scan(doc.encode())[0] == [(key, "json-escape", 1)]
    notebook = {"cells": [{"cell_type": "code", "source": ["print(k)\n"], "outputs": [
        {"output_type": "stream", "name": "stdout", "text": [f"loaded\n{key}\n"]}]}]}
    found, _ = scan(json.dumps(notebook, indent=1).encode())
    assert [(s, d) for s, d, _ in found] == [(key, None)]


def test_zip_bomb_is_reported_not_inflated(tmp_path: Path) -> None:
    key = make_key()
    bomb = zip_bytes({
        "zeros.bin": b"\0" * (80 * 1024 * 1024),  # 80 MiB of zeros: ~80 KB compressed
        "config/.env": f"POOLSIDE_API_KEY={key}\n".encode(),
    })
    assert len(bomb) < 200_000
    (tmp_path / "bomb.zip").write_bytes(bomb)
    run = run_psguard("scan", str(tmp_path), "--format", "json")
    assert run.code == 1, run.stderr
    report = run.json()
    [finding] = report["findings"]
    assert finding["locations"][0]["decoded_from"] == "zip:config/.env"
    [problem] = report["scan"]["problems"]
    assert problem["kind"] == "not-scanned"
    assert problem["target"] == "bomb.zip"
    assert "zeros.bin" in problem["detail"] and "budget" in problem["detail"]
    assert key not in run.stdout + run.stderr


def test_expanded_size_budget_is_shared_by_all_members() -> None:
    limits = DecodeLimits(max_expanded=1024 * 1024)
    members = {f"part{i}.bin": b"\0" * (300 * 1024) for i in range(10)}
    found, problems = scan(zip_bytes(members), Engine(RULES, limits=limits))
    assert found == []
    skipped = [p for p in problems if "budget" in p.detail]
    assert len(skipped) == 7  # three members fit in 1 MiB, the other seven do not


def test_deeply_nested_archive_stops_at_the_depth_limit() -> None:
    shallow, deep = make_key(), make_key()
    data = zip_bytes({"key.txt": f"k={deep}\n".encode()})
    for level in range(10):
        data = zip_bytes({f"level{level}.zip": data})
    data = zip_bytes({"a.zip": zip_bytes({"key.txt": f"k={shallow}\n".encode()}),
                      "b.zip": data})
    found, problems = scan(data)
    assert found == [(shallow, "zip:a.zip > zip:key.txt", 1)]
    assert any("deeper than 4" in p.detail for p in problems)


def test_member_count_limit() -> None:
    members = {f"f{i}.txt": b"x" for i in range(50)}
    found, problems = scan(zip_bytes(members), Engine(RULES, limits=DecodeLimits(max_members=20)))
    assert found == []
    assert [p.detail for p in problems] == [
        "more than 20 archive members; f20.txt and the rest were not scanned"]


def test_large_base64_looking_file_is_decoded_in_windows_only() -> None:
    key = make_key()
    raw = os.urandom(600_000) + f" token={key} ".encode() + os.urandom(600_000)
    # One 1.6 MB line of base64: too long to decode whole under these limits, yet
    # the key is found in a window around its encoded prefix.
    data = base64.b64encode(raw) + b"\n"
    limits = DecodeLimits(max_whole_run=64 * 1024)
    found, problems = scan(data, Engine(RULES, limits=limits))
    assert [(s, d) for s, d, _ in found] == [(key, "base64")]
    assert any("only windows" in p.detail for p in problems)


def test_adversarial_needles_cost_a_bounded_number_of_windows() -> None:
    data = b"cHMt" * 250_000 + b"\n"  # a megabyte of the encoded prefix, over and over
    limits = DecodeLimits(max_expanded=256 * 1024, max_whole_run=1024)
    found, problems = scan(data, Engine(RULES, limits=limits))
    assert found == []
    assert problems  # the whole-run limit, reported


@pytest.mark.parametrize("filler", [b"Hs- ws- Bs- 4sI EsD cHM\n", b"ps ps- s- -\n"])
@pytest.mark.parametrize("repeat", [3, 5000, 400_000])  # the last: over 8 MB, sliced
def test_engine_prefilter_sees_keys_behind_lookalike_windows(filler: bytes,
                                                             repeat: int) -> None:
    # Bytes that collapse like the prefilter's needles (`Hs-` maps like `ps-`) make it
    # confirm and, past a few dozen, fall back to plain searches: a key after them,
    # plain or base64, still passes the prefilter and is found.
    key = make_key()
    engine = Engine(RULES)
    noise = filler * repeat
    if b"ps-" not in noise:
        assert not engine.may_match(noise)
    for tail in (f"token = {key}\n".encode(), base64.b64encode(f"k={key}\n".encode())):
        data = noise + tail
        assert engine.may_match(data)
        assert key in [s for s, _, _ in scan(data, engine)[0]]


def test_decoding_can_be_switched_off_and_the_engine_pickles() -> None:
    key = make_key()
    data = b"v: " + base64.b64encode(f"k={key}\n".encode()) + b"\n"
    assert scan(data, Engine(RULES, decode=False))[0] == []
    assert not Engine(RULES, decode=False).may_match(data)
    engine = pickle.loads(pickle.dumps(Engine(RULES)))
    assert engine.may_match(data)
    assert [s for s, _, _ in scan(data, engine)[0]] == [key]


def test_decode_config_key_switches_decoders_off(tmp_path: Path) -> None:
    key = make_key()
    (tmp_path / "secret.yaml").write_bytes(
        b"data:\n  token: " + base64.b64encode(key.encode()) + b"\n")
    found = run_psguard("scan", str(tmp_path), "--format", "json")
    assert found.code == 1
    assert found.json()["findings"][0]["locations"][0]["decoded_from"] == "base64"
    (tmp_path / ".psguard.toml").write_text("decode = false\n")
    assert run_psguard("scan", str(tmp_path)).code == 0
    (tmp_path / ".psguard.toml").write_text('decode = "yes"\n')
    bad = run_psguard("scan", str(tmp_path))
    assert bad.code == 2 and "'decode'" in bad.stderr


def test_base64_of_a_compressed_archive_inside_a_manifest() -> None:
    # Helm stores releases as base64 of gzip of JSON: no encoded prefix is visible,
    # the base64 of gzip's magic bytes opens the gate.
    key = make_key()
    release = gzip.compress(b'{"values": {"poolside": {"apiKey": "' + key.encode() + b'"}}}')
    data = (b"apiVersion: v1\nkind: Secret\ntype: helm.sh/release.v1\ndata:\n  release: "
            + base64.b64encode(release) + b"\n")
    found, _ = scan(data)
    assert found == [(key, "base64 > gzip", 1)]  # line 1 of the decompressed JSON


@pytest.mark.parametrize("lead", ["", "x", "xy"])  # all three base64 alignments
def test_encoded_key_after_dense_prefixes_and_noise_is_found(lead: str) -> None:
    """The gate's busy paths: a bundle dense with the plain prefix (`ps-3`) and with
    base64-looking noise (many near-misses for the encoded needles) still has its one
    base64-encoded key found, at the end, past megabytes of both."""
    import random

    rng = random.Random(7 + len(lead))
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    css = "".join(f".ps-{rng.randint(0, 5)}{{padding-left:.25rem}}" for _ in range(60_000))
    # What base64 of `ps-` must contain at its three alignments, and base64 of the
    # zip and gzip magics: the noise never holds them, so only the key opens the gate.
    assert [base64.b64encode(b"\0" * n + b"ps-") for n in range(3)] == \
        [b"cHMt", b"AHBzLQ==", b"AABwcy0="]
    real = ("cHMt", "BzL", "wcy", "UEsDB", "H4sI")
    words = ("".join(rng.choice(alnum) for _ in range(rng.randint(8, 40)))
             for _ in range(60_000))
    noise = " ".join(w for w in words if not any(r in w for r in real))
    key = make_key()
    enc = base64.b64encode(f"{lead}POOLSIDE_API_KEY={key}".encode()).decode()
    data = f"{css}\n{noise}\nsecret: {enc}\n".encode()
    assert len(data) > 2_000_000
    found, _ = scan(data)
    assert (key, "base64", 3) in found
