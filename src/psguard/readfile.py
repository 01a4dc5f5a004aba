"""Reading a file that a configuration names: config files, rule files, the ignore file,
the baseline. One helper for all of them, because a repository chooses these paths.

Only a regular file is read (a FIFO would block for ever, /dev/zero or /dev/stdin
would never end; a directory or a device is refused before it is opened), and only up
to a size cap: 1 MB for config, rule and ignore files, 16 MB for a baseline. Anything
else is a ConfigError (exit 2) naming the file and why.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from psguard.errors import ConfigError

CONFIG_LIMIT = 1024 * 1024  # config files, rule files, .psguardignore
BASELINE_LIMIT = 16 * 1024 * 1024  # a baseline lists every known key with its places

_NOT_REGULAR = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                (stat.S_ISSOCK, "a socket"))
# O_NONBLOCK: if the path is swapped for a FIFO between the check and the open, the
# open still returns at once (and fstat refuses it); O_NOCTTY: never a terminal.
_FLAGS = (os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
          | getattr(os, "O_CLOEXEC", 0))


class MissingFileError(ConfigError):
    """The named file does not exist (callers may treat that as "none")."""


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"


def _check(path: Path, info: os.stat_result, what: str, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _NOT_REGULAR if test(info.st_mode)), "special")
        raise ConfigError(f"{path}: {what} is not a regular file ({kind}); not read")
    if info.st_size > limit:
        raise ConfigError(f"{path}: {what} is larger than {_size(limit)}, the limit for a "
                          f"{what}; not read")


def read_capped(path: Path, what: str, limit: int = CONFIG_LIMIT) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them. `what` names the
    file in messages ("config file", "rule file", "baseline", "ignore file")."""
    try:
        _check(path, os.stat(path), what, limit)  # refuse before opening a device
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise MissingFileError(f"{path}: cannot read {what}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror}") from None
    try:
        _check(path, os.fstat(fd), what, limit)  # what was opened, not what was checked
        chunks = []
        left = limit + 1
        while left > 0:
            piece = os.read(fd, min(left, 1024 * 1024))
            if not piece:
                break
            chunks.append(piece)
            left -= len(piece)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # it grew while being read
        raise ConfigError(f"{path}: {what} is larger than {_size(limit)}, the limit for a "
                          f"{what}; not read")
    return data


def read_capped_text(path: Path, what: str, limit: int = CONFIG_LIMIT, *,
                     errors: str = "strict") -> str:
    """read_capped, decoded as UTF-8 (an error names the file, unless errors="replace")."""
    data = read_capped(path, what, limit)
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: {what} is not UTF-8 text") from None
