"""The per-user cache key (cachekey.py): made once, private, refused when it is not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from psguard.cachekey import KEY_BYTES, key_path, seal, unseal, user_key


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def test_the_key_is_made_once_0600_in_a_0700_directory() -> None:
    key, why = user_key()
    assert key is not None and len(key) == KEY_BYTES and why is None
    assert user_key() == (key, None)
    assert key_path().stat().st_mode & 0o777 == 0o600
    assert key_path().parent.stat().st_mode & 0o777 == 0o700


def test_a_key_others_can_read_is_refused_with_the_reason() -> None:
    assert user_key()[0] is not None
    key_path().chmod(0o644)
    refused, why = user_key()
    assert refused is None and why is not None and "not private" in why


def test_a_symlinked_key_is_refused(tmp_path: Path) -> None:
    user_key()
    elsewhere = tmp_path / "planted"
    elsewhere.write_bytes(os.urandom(KEY_BYTES))
    elsewhere.chmod(0o600)
    key_path().unlink()
    key_path().symlink_to(elsewhere)
    assert user_key()[0] is None


def test_a_damaged_key_is_replaced_and_old_seals_stop_verifying() -> None:
    key, _ = user_key()
    assert key is not None
    sealed = seal(key, "clean-v2\0v", b"ids")
    key_path().write_bytes(b"short")
    new, why = user_key()
    assert new is not None and new != key and why is None
    assert unseal(new, "clean-v2\0v", sealed) is None


def test_a_key_directory_inside_the_scanned_repository_is_refused(tmp_path: Path) -> None:
    key, why = user_key([tmp_path])
    assert key is None and why is not None and "inside the scanned repository" in why
    assert not key_path().exists()


def test_a_seal_covers_its_purpose_and_every_byte() -> None:
    key = os.urandom(KEY_BYTES)
    sealed = seal(key, "clean-v2\0a", b"\x14" + b"x" * 40)
    assert unseal(key, "clean-v2\0a", sealed) == b"\x14" + b"x" * 40
    assert unseal(key, "clean-v2\0b", sealed) is None  # another rule-set version
    assert unseal(key, "located-v2\0a", sealed) is None  # another cache
    assert unseal(key, "clean-v2\0a", sealed + b"y" * 20) is None  # an id appended
    assert unseal(os.urandom(KEY_BYTES), "clean-v2\0a", sealed) is None
    assert unseal(key, "clean-v2\0a", b"") is None
