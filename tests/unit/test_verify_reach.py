"""verify/reach.py: what a live key's models list says it reaches, read as a network
peer's answer (bounded, a safe alphabet), and read back from the cache cleaned again."""

from __future__ import annotations

import json
from pathlib import Path

from psguard.testing import make_key
from psguard.verify.cache import VerifyCache
from psguard.verify.reach import MAX_MODELS, parse, revalidate


def test_not_a_models_list_is_no_reach() -> None:
    for body in (b"", b"not json", b"[]", b'{"data": {}}', b'"x"', b"[" * 100000):
        assert parse(body) is None


def test_strings_are_bounded_and_made_safe() -> None:
    body = {"data": [{"id": "a\x1b[2J<b>`x`"}, {"id": "y" * 500}, {"id": None}, 7]
            + [{"id": f"m{i}"} for i in range(100)],
            "key": {"type": "SERVICE_ACCOUNT", "name": ["not", "a", "string"],
                    "expires_at": "2027-01-01T00:00:00Z\u202e", "scopes": "inference"}}
    reach = parse(json.dumps(body).encode())
    assert reach is not None
    assert reach["models"][0] == "a??2J?b??x?"
    assert reach["models"][1] == "y" * 80 + "…"
    assert len(reach["models"]) == MAX_MODELS and reach["models_total"] == 102
    assert reach["key_type"] == "service account key"
    assert reach["expires"] == "2027-01-01T00:00:00Z?"
    assert "key_name" not in reach and "scopes" not in reach  # not strings / not a list


def test_a_forged_cache_entry_is_cleaned_on_the_way_back(tmp_path: Path) -> None:
    path = tmp_path / "verify-v1.json"
    key = make_key()
    cache = VerifyCache(path)
    cache.put(key, "https://api.example/v1", "live", "accepted", 200,
              {"models": ["ok"], "models_total": 1})
    cache.save()
    data = json.loads(path.read_text())
    entry = next(iter(data["entries"].values()))
    entry["reach"] = {"models": ["\x1b]0;pwned\x07"], "models_total": 10**9,
                      "key_type": "<script>"}
    path.write_text(json.dumps(data))
    hit = VerifyCache(path).get(key, "https://api.example/v1")
    assert hit is not None and hit.reach is not None
    assert hit.reach["models"] == ["??0?pwned?"] and hit.reach["key_type"] == "?script?"
    assert revalidate("junk") is None and revalidate({"models": "x"}) is None
