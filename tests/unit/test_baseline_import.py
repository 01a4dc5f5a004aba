"""Peers' entries mapped onto psguard's findings (psguard.stages.baseline_import), pure."""

from __future__ import annotations

import hashlib
from pathlib import Path

from psguard.models import Candidate, Finding, Origin
from psguard.stages.baseline_import import merge_into, plan_import
from psguard.stages.peers import PeerEntry
from psguard.testing import make_key


def finding(key: str, path: str, line: int) -> Finding:
    c = Candidate("poolside-api-key", key, "high", Origin("file", path=path), line, 1, 0)
    return Finding("poolside-api-key", key, "high", [c])


def test_each_kind_of_entry_maps_or_is_listed(tmp_path: Path) -> None:
    key, other = make_key(), make_key()
    found = [finding(key, "conf/app.env", 3)]
    occurrence = hashlib.sha256(f"{key},apikey".encode()).hexdigest()  # ggshield's form
    entries = [
        PeerEntry("hash", "g:1", algorithm="sha256", digest=occurrence),
        PeerEntry("hash", "d:1", algorithm="sha1", path="conf/app.env",
                  digest=hashlib.sha1(key.encode()).hexdigest()),
        PeerEntry("secret", "r:1", secret=other, path="x.py"),
        PeerEntry("place", "i:1", path="conf/app.env", line=3),
        PeerEntry("place", "i:2", path="conf/app.env", line=4),
        PeerEntry("path", "g:2", path="docs/**"),
        PeerEntry("unusable", "g:3", reason="a detector name"),
    ]
    plan = plan_import(entries, found, "mixed", top=tmp_path, scanned=tmp_path)
    assert plan.read == 7
    assert sorted(plan.keys) == [("poolside-api-key", "sha1",
                                  hashlib.sha1(key.encode()).hexdigest()),
                                 ("poolside-api-key", "sha256", found[0].sha256)]
    assert plan.paths == [{"pattern": "docs/**", "from": "mixed"}]
    assert [w for w, _ in plan.unmapped] == ["r:1", "i:2", "g:3"]
    data: dict = {"findings": []}  # type: ignore[type-arg]
    assert merge_into(data, plan) == (2, 1)
    assert merge_into(data, plan) == (0, 0)  # importing twice adds nothing
    assert key not in repr(data) and other not in repr(plan.unmapped)
