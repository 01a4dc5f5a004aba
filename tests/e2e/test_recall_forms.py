"""Issue 18's second round of leak forms (psguard.testing.recallforms): quoted-printable
soft breaks inside a key, two layers of base64 in general, base64 of UTF-16, xz and
bzip2, HTML/XML character references, C `\\x` and octal escapes, the repr of UTF-16
bytes, percent-encoding of every byte, a `.pyc`. Real files built at run time with
fresh keys, scanned through the CLI: each key found, in its own file, and nothing else
(a key cut by a soft break is not also reported cut short)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from psguard.engine.engine import Engine
from psguard.models import Origin
from psguard.rules.loader import load_rules
from psguard.testing import make_key, run_psguard
from psguard.testing.keys import BASE64URL
from psguard.testing.leakforms import found_by_path, write_forms
from psguard.testing.recallforms import POSITIVE, qp_cut


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@pytest.mark.parametrize("length", [24, 40, 64])
def test_every_recall_form_is_found_exactly(tmp_path: Path, length: int) -> None:
    expected = write_forms(tmp_path, POSITIVE.values(), length)
    run = run_psguard("scan", str(tmp_path), "--format", "json")
    assert run.code == 1, run.stderr
    found = found_by_path(run.json())
    missed = [n for n, d in expected.items() if d not in found.get(n, set())]
    extra = [n for n, got in found.items() if got - {expected.get(n)}]
    assert (missed, extra) == ([], [])
    assert run.json()["scan"]["complete"]


@pytest.mark.parametrize("at", range(1, 30, 3))
@pytest.mark.parametrize("crlf", [False, True])
def test_a_soft_break_anywhere_in_the_key(at: int, crlf: bool) -> None:
    key = make_key(48, BASE64URL)
    data = qp_cut(key, at, crlf)
    assert key.encode() not in data
    found = Engine(load_rules()).scan_bytes(data, Origin(kind="file", path="m.eml"))
    assert [(c.secret, c.origin.decoded_from) for c in found] == [
        (key, "quoted-printable")]


@pytest.mark.parametrize("inner", ["", "a", "ab"])  # the key at each inner alignment
@pytest.mark.parametrize("outer", ["", "x", "xy"])  # the inner base64 at each outer one
def test_base64_inside_base64_at_every_alignment(inner: str, outer: str) -> None:
    key = make_key()
    once = base64.b64encode(f"{inner}key={key}\n".encode())
    twice = base64.b64encode(outer.encode() + once)
    data = b"variables:\n  CONFIG: " + twice + b"\n"
    found = Engine(load_rules()).scan_bytes(data, Origin(kind="file", path="ci.yml"))
    assert [(c.secret, c.origin.decoded_from, c.line) for c in found] == [
        (key, "base64 > base64", 2)]


def test_a_text_with_every_kind_of_escape_is_decoded_once_each(tmp_path: Path) -> None:
    """Each escape decoder undoes its own escapes; their output is not unescaped again,
    or a page holding several kinds (documentation about escapes) would be decoded in
    every order and hit the depth limit: an incomplete scan for an ordinary file."""
    key = make_key()
    text = ("JSON writes \\u002d, HTML &#45; and &#x2d;, C \\x2d and \\055, URLs %2D, "
            f"and quoted-printable cuts lines with =\nthe key: {key[:2]}&#45;{key[3:]}\n")
    (tmp_path / "escapes.md").write_text(text)
    run = run_psguard("scan", str(tmp_path), "--format", "json")
    assert run.code == 1, run.stderr
    report = run.json()
    assert report["scan"]["complete"], report["scan"]["problems"]
    assert [f["secret"]["sha256"] for f in report["findings"]] == [_digest(key)]


def test_a_zlib_bomb_in_a_pdf_is_cut_at_the_budget_and_makes_the_scan_incomplete(
        tmp_path: Path) -> None:
    """A FlateDecode stream that inflates past the budget: the bytes that fit are
    scanned (the key at the start is found), the rest is reported as not scanned."""
    import zlib

    key = make_key()
    bomb = zlib.compress(f"POOLSIDE_API_KEY={key}\n".encode() + bytes(200 << 20), 9)
    (tmp_path / "bomb.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj\n<< /Length 1 /Filter /FlateDecode >>\nstream\n" + bomb
        + b"\nendstream\nendobj\n")
    run = run_psguard("scan", str(tmp_path), "--format", "json")
    assert run.code == 1, run.stderr
    report = run.json()
    assert [f["secret"]["sha256"] for f in report["findings"]] == [_digest(key)]
    assert [f["locations"][0]["decoded_from"] for f in report["findings"]] == ["pdf-stream:1"]
    assert not report["scan"]["complete"]
    assert any("beyond the decode budget" in p["detail"] for p in report["scan"]["problems"])


def test_an_encrypted_pdf_stream_is_a_warning_not_a_gap(tmp_path: Path) -> None:
    (tmp_path / "locked.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj\n<< /Length 64 /Filter /FlateDecode >>\nstream\n"
        + bytes(range(64)) + b"\nendstream\nendobj\n")
    run = run_psguard("scan", str(tmp_path), "--format", "json")
    assert run.code == 0, run.stderr
    report = run.json()
    assert report["scan"]["complete"]
    assert [p["kind"] for p in report["scan"]["problems"]] == ["warning"]
