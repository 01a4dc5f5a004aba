"""SHA-1 and SHA-256 from Python's own C modules, not hashlib: hashlib loads OpenSSL's
bindings (`_hashlib`), about 7 ms of a pre-commit run that hashes a few kilobytes
(the staged blobs read in-process, the framework's batch id). Same digests."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hashlib import _Hash


def sha1(data: bytes = b"") -> _Hash:
    try:
        from _sha1 import sha1 as new  # type: ignore[import-not-found]
    except ImportError:  # a Python built without it
        from hashlib import sha1 as new
    hashed: _Hash = new(data)
    return hashed


def sha256(data: bytes = b"") -> _Hash:
    try:
        from _sha2 import sha256 as new  # type: ignore[import-not-found]  # 3.12 and later
    except ImportError:
        try:
            from _sha256 import sha256 as new  # type: ignore[import-not-found]
        except ImportError:  # a Python built without them
            from hashlib import sha256 as new
    hashed: _Hash = new(data)
    return hashed
