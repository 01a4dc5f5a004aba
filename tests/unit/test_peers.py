"""Peers' files read into entries (psguard.stages.peers): the shapes each tool writes."""

from __future__ import annotations

import json

import pytest

from psguard.errors import ConfigError
from psguard.stages.peers import detect_format, parse_peer
from psguard.testing import make_key

COMMIT = "d4055f67c438aceff359e1e5f851d7146533b8bc"


def test_gitleaksignore_fingerprints_with_and_without_commit() -> None:
    text = (f"# reviewed\n{COMMIT}:conf/a:b.py:generic-api-key:12\n"
            "settings.py:poolside-api-key:3\n\nnot-a-fingerprint\n").encode()
    assert detect_format(text, "some/dir/.gitleaksignore") == "gitleaks"
    a, b, bad = parse_peer(text, ".gitleaksignore", "gitleaks")
    assert (a.what, a.commit, a.path, a.rule, a.line) == (
        "place", COMMIT, "conf/a:b.py", "generic-api-key", 12)
    assert (b.commit, b.path, b.line, b.where) == (None, "settings.py", 3, ".gitleaksignore:3")
    assert bad.what == "unusable" and bad.where == ".gitleaksignore:5"


def test_kingfisher_report_with_its_trailing_summary() -> None:
    key = make_key()
    report = {"findings": [{"rule": {"id": "custom.poolside.1"}, "finding": {
        "snippet": key, "line": 2, "path": "./settings.py",
        "git_metadata": {"commit": {"id": COMMIT}}}}]}
    raw = (json.dumps(report) + "\n" + json.dumps({"findings": 1}) + "\n").encode()
    assert detect_format(raw, "out.json") == "kingfisher"
    (entry,) = parse_peer(raw, "out.json", "kingfisher")
    assert (entry.what, entry.secret, entry.path, entry.commit) == (
        "secret", key, "settings.py", COMMIT)
    assert key not in repr(entry)


def test_ggshield_v1_and_v2() -> None:
    key = make_key()
    digest = "ab" * 32
    v2 = (f"version: 2\nsecret:\n  ignored_matches:\n    - name: x\n      match: {digest}\n"
          f"    - name: y\n      match: {key}\n  ignored_paths:\n    - 'docs/**'\n").encode()
    assert detect_format(v2, "config.yaml") == "ggshield"
    h, s, p = parse_peer(v2, "g.yaml", "ggshield")
    assert (h.what, h.algorithm, h.digest) == ("hash", "sha256", digest)
    assert (s.what, s.secret) == ("secret", key)
    assert (p.what, p.path) == ("path", "docs/**")
    v1 = f"matches-ignore:\n  - name: x\n    match: {digest}\npaths-ignore:\n  - a/\n".encode()
    assert [e.what for e in parse_peer(v1, "g.yaml", "ggshield")] == ["hash", "path"]


def test_detect_secrets_baseline_and_its_regex_excludes() -> None:
    data = {"version": "1.5.0", "exclude": {"files": "^tests/", "lines": None},
            "results": {"a.py": [{"type": "Secret Keyword", "filename": "a.py",
                                  "hashed_secret": "A" * 40, "line_number": 4}]}}
    raw = json.dumps(data).encode()
    assert detect_format(raw, "baseline.json") == "detect-secrets"
    entry, regex = parse_peer(raw, "b", "detect-secrets")
    assert (entry.algorithm, entry.digest, entry.path, entry.line) == ("sha1", "a" * 40,
                                                                      "a.py", 4)
    assert regex.what == "unusable" and "regular expression" in (regex.reason or "")


@pytest.mark.parametrize("raw", [b"", b"hello\n", b"{}", b"[1, 2"])
def test_unknown_files_are_refused(raw: bytes) -> None:
    with pytest.raises(ConfigError, match="--from"):
        detect_format(raw, "x.txt")
