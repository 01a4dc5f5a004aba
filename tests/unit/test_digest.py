"""psguard.digest: the same digests as hashlib, without loading OpenSSL's bindings."""

from __future__ import annotations

import hashlib

import pytest

from psguard import digest


@pytest.mark.parametrize("data", [b"", b"abc", bytes(range(256)) * 300])
def test_the_digests_are_hashlibs(data: bytes) -> None:
    assert digest.sha1(data).hexdigest() == hashlib.sha1(data).hexdigest()
    assert digest.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    step = digest.sha256()
    step.update(data)
    step.update(b"\0")
    assert step.hexdigest() == hashlib.sha256(data + b"\0").hexdigest()
