"""SHA-1 and SHA-256 from Python's own C modules, not hashlib: hashlib loads OpenSSL's
bindings (`_hashlib`), about 7 ms of a pre-commit run that hashes a few kilobytes
(the staged blobs read in-process, the framework's batch id). Same digests."""

from __future__ import annotations

import sys

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
    try:  # the module's name since 3.12 (an import that fails searches the whole path)
        if sys.version_info >= (3, 12):
            from _sha2 import sha256 as new  # type: ignore[import-not-found]
        else:
            from _sha256 import sha256 as new  # type: ignore[import-not-found]
    except ImportError:  # a Python built without them
        from hashlib import sha256 as new
    hashed: _Hash = new(data)
    return hashed
