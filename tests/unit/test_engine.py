"""The engine on its own: what is a key, what is not, and where it is."""

from __future__ import annotations

import secrets

import pytest

import psguard
from psguard.engine.engine import Engine
from psguard.models import Origin
from psguard.rules.loader import load_rules
from psguard.testing import BASE62, BASE64URL, PREFIX, make_key


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_rules())


def secrets_in(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [f.secret for f in psguard.scan_bytes(data)]


@pytest.mark.parametrize("length", [20, 24, 32, 40, 48, 64, 80])
@pytest.mark.parametrize("alphabet", [BASE62, BASE64URL], ids=["base62", "base64url"])
def test_bodies_of_any_plausible_length_and_alphabet_are_found(length: int,
                                                               alphabet: str) -> None:
    key = make_key(length, alphabet)
    assert secrets_in(f"token: {key}\n") == [key]


@pytest.mark.parametrize("template", [
    "export POOLSIDE_API_KEY={k}\n",
    "ENV POOLSIDE_API_KEY={k}\n",
    'api_key = "{k}"\n',
    "```bash\ncurl -H 'Authorization: Bearer {k}' https://inference.poolside.ai/v1/models\n```\n",
    "{k}",
    "{k}\n",
    "x={k};y=1",
    '{{"key":"{k}"}}',
    "https://host/path?key={k}&x=1",
    "$env:POOLSIDE_API_KEY = '{k}'\r\n",
])
def test_must_report_shapes(template: str) -> None:
    key = make_key()
    assert secrets_in(template.format(k=key)) == [key]


@pytest.mark.parametrize("text", [
    '<div class="ps-0 ps-1 ps-2 ps-3 ps-4 ps-5 ps-sm-2 ps-xl-auto ps-md-4">',
    ".ps-lg-5{padding-left:3rem!important}",
    "ps -ef | grep python\nps -aux\n",
    "name: ps-worker-deployment-blue-green\n",
    "SPDX-License-Identifier: ps-or-later-exception-20240101\n",
    "ps-or-pdf-font-exception-20170817",
    "key = ps-xxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    "key = ps-XXXXXXXXXXXXXXXX\n",
    "key = ps-<api-key>\n",
    "key = ps-{{ secrets.KEY }}\n",
    "key = ps-$KEY\n",
    "key = ps-…\n",
    "key = ps-...\n",
    "key = ps-example-key\n",
    "key = ps-your-api-key-goes-here\n",
    "key = ps-aaaaaaaaaaaaaaaaaaaaaaaa\n",
    "key = ps-0123456789abcdefghij\n",
    "key = ps-abcdefghijklmnopqrstuvwxyz\n",
    "key = ps-ab12ab12ab12ab12ab12ab12\n",
    "class ps-ServiceAccountProductionCluster\n",
])
def test_harmless_ps_strings_are_not_reported(text: str) -> None:
    assert secrets_in(text) == []


def test_a_key_must_be_a_whole_token() -> None:
    body = make_key()[len(PREFIX):]
    for glued in ("x", "map", "foo-", "a_", "9"):
        assert secrets_in(f"{glued}{PREFIX}{body}\n") == []
    # ...and a longer token that merely starts like a key is not a key either
    assert secrets_in(f"{PREFIX}{body}{'Q' * 300}\n") == []


def test_line_and_column_are_reported_per_occurrence(engine: Engine) -> None:
    key = make_key()
    data = f"first line\n\tvalue = {key}\r\nnext\n".encode()
    [cand] = engine.scan_bytes(data, Origin(kind="file", path="a.txt"))
    assert (cand.line, cand.column) == (2, 10)
    assert cand.masked_line == f"value = {PREFIX}…{key[-4:]}"
    assert key not in (cand.masked_line or "")


def test_column_counts_characters_not_bytes(engine: Engine) -> None:
    key = make_key()
    [cand] = engine.scan_bytes(f"né = {key}".encode(), Origin(kind="file"))
    assert cand.column == 6


def test_binary_content_invalid_utf8_and_nul_bytes_are_scanned(engine: Engine) -> None:
    key = make_key()
    blob = b"SQLite format 3\0" + bytes(range(256)) * 8 + key.encode() + b"\0\xff\xfe"
    [cand] = engine.scan_bytes(blob, Origin(kind="file", path="db.sqlite"))
    assert cand.secret == key
    assert cand.line is None and cand.masked_line is None
    assert cand.offset == blob.index(key.encode())


def test_key_inside_a_200kb_single_line(engine: Engine) -> None:
    key = make_key()
    line = "a" * 120_000 + " " + key + " " + "b" * 80_000
    [cand] = engine.scan_bytes(line.encode(), Origin(kind="file"))
    assert cand.column == 120_002
    assert cand.masked_line is not None and len(cand.masked_line) < 300


def test_masked_line_hides_every_key_on_the_line(engine: Engine) -> None:
    first, second = make_key(), make_key()
    cands = engine.scan_bytes(f"a={first} b={second}\n".encode(), Origin(kind="file"))
    assert {c.secret for c in cands} == {first, second}
    for cand in cands:
        assert first not in (cand.masked_line or "")
        assert second not in (cand.masked_line or "")


@pytest.mark.parametrize("marker", ["# psguard:allow", "// gitleaks:allow",
                                    "# pragma: allowlist secret"])
def test_inline_allow_markers_suppress_on_their_line(marker: str) -> None:
    key = make_key()
    assert secrets_in(f"key = '{key}'  {marker}\n") == []
    assert secrets_in(f"# {marker}\nkey = '{key}'\n") == [key]


def test_context_keywords_raise_confidence() -> None:
    key = make_key(20)
    [bare] = psguard.scan_text(f"value {key}\n")
    [near] = psguard.scan_text(f"POOLSIDE_API_KEY={key}\n")
    assert (bare.confidence, near.confidence) == ("medium", "high")


def test_low_confidence_is_hidden_unless_asked() -> None:
    # Random consonants: key-like entropy, but a single character class and no
    # Poolside context, which real keys rarely show: low confidence. (Separated
    # lowercase groups such as `ab-cd-ef-…` are identifiers and dropped outright.)
    weak = PREFIX + "".join(secrets.choice("bcdfghjklmnpqrstvwz") for _ in range(24))
    assert psguard.scan_text(f"v {weak}\n") == []
    [low] = psguard.scan_text(f"v {weak}\n", min_confidence="low")
    assert low.confidence == "low"


def test_one_finding_per_secret_with_all_locations() -> None:
    key = make_key()
    [finding] = psguard.scan_text(f"{key}\nsecond: {key}\n")
    assert [(c.line, c.column) for c in finding.candidates] == [(1, 1), (2, 9)]
