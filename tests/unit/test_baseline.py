"""Baselines without a repository: what is written (no raw key), what is read back,
and which findings are new (a known key in a new place is new)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from psguard.errors import ConfigError
from psguard.models import Candidate, Finding, Origin
from psguard.stages.baseline import apply_baseline, build, load_baseline
from psguard.testing import make_key


def finding(key: str, *paths: str) -> Finding:
    cands = [Candidate("poolside-api-key", key, "high", Origin("file", path=p), 1, 1, 0)
             for p in paths]
    return Finding("poolside-api-key", key, "high", cands)


def test_written_baseline_holds_hashes_and_paths_never_the_key(tmp_path: Path) -> None:
    key = make_key()
    data = build([finding(key, "config/app.env")], "worktree", tmp_path, tmp_path)
    text = json.dumps(data)
    assert key not in text and key[-4:] in text
    [entry] = data["findings"]
    assert entry["locations"] == [{"kind": "file", "path": "config/app.env"}]


def test_only_new_keys_and_new_places_survive(tmp_path: Path) -> None:
    old, new = make_key(), make_key()
    path = tmp_path / "base.json"
    path.write_text(json.dumps(build([finding(old, "a.env")], "worktree", tmp_path,
                                     tmp_path)))
    base = load_baseline(path)
    kept, covered = apply_baseline(
        [finding(old, "a.env"), finding(new, "b.env")], base, top=tmp_path, scanned=tmp_path)
    assert covered == 1 and [f.secret for f in kept] == [new]
    spread = finding(old, "a.env", "c.env")
    [still] = apply_baseline([spread], base, top=tmp_path, scanned=tmp_path)[0]
    assert "not at: c.env" in still.notes[-1] and spread.notes == []


def test_a_file_that_is_not_a_baseline_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "base.json"
    path.write_text('{"schema": "something else"}')
    with pytest.raises(ConfigError, match="not a psguard baseline"):
        load_baseline(path)
    with pytest.raises(ConfigError, match="no such file"):
        load_baseline(tmp_path / "missing.json")
