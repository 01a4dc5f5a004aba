"""The per-user key that seals the caches psguard keeps inside repositories.

A file in a repository's git directory can be written by whatever can write the
repository: a tarball or a copied checkout, a build step in CI, a shared mirror. A
cache there that says "these objects are clean" would hide a key from the next audit.
So each such file carries an HMAC-SHA256 over its content and what it vouches for
(which cache, the rule-set and psguard version), keyed by 32 random bytes that never
leave the user's cache directory: `$XDG_CACHE_HOME/psguard/private/cache-key`, a
0600 file in a 0700 directory. A file whose MAC does not verify is not used.

The key is refused (so no sealed cache is read or written this run) when it is not
private: a link, not a regular file, someone else's, open to group or others; or
when the cache directory lies inside the repository being scanned (XDG_CACHE_HOME
pointing into a checkout), where the repository could ship a key of its own.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from psguard.usercache import cache_dir, is_inside

KEY_FILE = "cache-key"
KEY_BYTES = 32
MAC_BYTES = 32  # HMAC-SHA256
_FOLDER = "private"
_POSIX = os.name == "posix"


def key_path() -> Path:
    return cache_dir() / _FOLDER / KEY_FILE


def user_key(untrusted: Sequence[Path] = ()) -> tuple[bytes | None, str | None]:
    """The user's key, made on first use; or None and why not (None when it simply
    cannot be kept, as in a read-only home: then there is no cache, and nothing to say)."""
    path = key_path()
    if any(is_inside(path.parent, root) for root in untrusted):
        return None, (f"the cache directory {path.parent.parent} is inside the scanned "
                      "repository")
    try:
        _private_dir(path.parent)
        for _attempt in range(2):
            try:
                return _read(path), None
            except FileNotFoundError:
                _create(path)
            except _Damaged:
                _create(path, replace=True)
    except _NotPrivate as exc:
        return None, str(exc)
    except OSError:
        pass
    return None, None


class _NotPrivate(Exception):
    """A key or key directory that someone else could read or write."""


class _Damaged(Exception):
    """A private key file of the wrong length (never written by _create)."""


def _private_dir(folder: Path) -> None:
    """The key's directory, made 0700 if need be; _NotPrivate if others could write
    it or it is not the user's."""
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):
            folder.chmod(0o700)
    info = os.stat(folder)
    if _POSIX and (info.st_uid != os.geteuid() or info.st_mode & 0o022):
        raise _NotPrivate(f"{folder} is not private to this user "
                          f"(mode {stat.S_IMODE(info.st_mode):04o}); not using it")


def _read(path: Path) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if path.is_symlink():
            raise _NotPrivate(f"{path} is a symbolic link; not using it") from None
        raise exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _NotPrivate(f"{path} is not a regular file; not using it")
        if _POSIX and (info.st_uid != os.geteuid() or info.st_mode & 0o077):
            raise _NotPrivate(f"{path} is not private to this user "
                              f"(mode {stat.S_IMODE(info.st_mode):04o}); not using it")
        data = fh.read(KEY_BYTES + 1)
    if len(data) != KEY_BYTES:
        raise _Damaged
    return data


def _create(path: Path, *, replace: bool = False) -> None:
    """A new random key, in place in one step: linked (never over another process's
    new key) or, to repair a damaged one, renamed over it."""
    import secrets
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache-key-")  # 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(KEY_BYTES))
        if replace:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another run made one first: use that one
        except OSError:  # no hard links here: a rename, unless one appeared meanwhile
            if not path.exists():
                os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def seal(key: bytes, purpose: str, payload: bytes) -> bytes:
    """payload, preceded by its MAC under `key` for this purpose."""
    return _mac(key, purpose, payload) + payload


def unseal(key: bytes, purpose: str, data: bytes) -> bytes | None:
    """The payload of a sealed blob, or None when its MAC does not verify."""
    import hmac

    mac, payload = data[:MAC_BYTES], data[MAC_BYTES:]
    if len(mac) != MAC_BYTES or not hmac.compare_digest(mac, _mac(key, purpose, payload)):
        return None
    return payload


def _mac(key: bytes, purpose: str, payload: bytes) -> bytes:
    import hashlib
    import hmac

    # The purpose is length-prefixed: no (purpose, payload) pair can pass for another.
    head = purpose.encode()
    return hmac.new(key, len(head).to_bytes(4, "big") + head + payload,
                    hashlib.sha256).digest()
