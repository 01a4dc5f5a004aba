"""A finding's preview (the masked line shown under each place) never shows another key
on the same line: not raw, and not in an encoded form that decodes to it (base64,
base64url, JSON/unicode escapes, percent-encoding, HTML character references). Checked
in every report format, with the encoded strings themselves."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from psguard.testing import make_key, run_psguard

FORMATS = ["text", "json", "sarif", "markdown", "github", "junit", "gitlab", "html"]


def u_escaped(key: str) -> str:
    return key.replace("-", "\\u002d")


def percent_dash(key: str) -> str:
    return key.replace("-", "%2D")


def percent_all(key: str) -> str:
    return "".join(f"%{b:02X}" for b in key.encode())


def html_refs(key: str) -> str:
    return key.replace("-", "&#45;")


def b64(key: str) -> str:
    return base64.b64encode(key.encode()).decode()


def b64url_shifted(key: str) -> str:
    # A key one byte into a base64url run: a different alignment, URL-safe alphabet.
    return base64.urlsafe_b64encode(b"~" + key.encode() + b"?").decode().rstrip("=")


ENCODINGS = {"base64": b64, "base64url": b64url_shifted, "u-escape": u_escaped,
             "percent": percent_dash, "percent-all": percent_all, "html": html_refs}


def forbidden(keys: list[str]) -> list[str]:
    """Every key raw, and every encoded form the test wrote, and their bodies."""
    out = []
    for k in keys:
        out += [k, k[3:]]
        out += [encode(k) for encode in ENCODINGS.values()]
    return out


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Lines holding a raw key and a second key, encoded; a JSON document too, whose
    escaped key psguard decodes and reports itself."""
    root = tmp_path_factory.mktemp("previews")
    keys = []
    lines = []
    for name, encode in ENCODINGS.items():
        first, second = make_key(), make_key()
        keys += [first, second]
        lines.append(f"token = {first}  # old {name}: {encode(second)} end")
    (root / "config.txt").write_text("\n".join(lines) + "\n")
    first, second = make_key(), make_key()
    keys += [first, second]
    doc = json.dumps({"a": first, "b": second}).replace(second, u_escaped(second))
    assert u_escaped(second) in doc
    (root / "settings.json").write_text(doc + "\n")
    return root, keys


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_key_in_any_form_in_any_report(tree: tuple[Path, list[str]], fmt: str) -> None:
    root, keys = tree
    run = run_psguard("scan", str(root), "--format", fmt, "--min-confidence", "low")
    assert run.code == 1, run.stderr
    out = run.stdout + run.stderr
    leaked = [s for s in forbidden(keys) if s in out]
    assert leaked == []


def test_previews_still_show_the_line_around_the_key(tree: tuple[Path, list[str]]) -> None:
    root, keys = tree
    base64_second, json_second = keys[1], keys[-1]
    report = run_psguard("scan", str(root), "--format", "json").json()
    found = {f["secret"]["redacted"]: f for f in report["findings"]}
    # Keys psguard decodes are findings of their own, at the encoded text.
    assert found[f"ps-…{json_second[-4:]}"]["locations"][0]["decoded_from"] == "json-escape"
    assert found[f"ps-…{base64_second[-4:]}"]["locations"][0]["decoded_from"] == "base64"
    text = run_psguard("scan", str(root)).stdout
    assert f"token = ps-…{keys[0][-4:]}  # old base64: [base64: ps-…{base64_second[-4:]}] end" \
        in text
