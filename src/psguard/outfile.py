"""Writing report, baseline and summary files: never through a link.

A scanned repository can commit `psguard.sarif` (or `reports/`) as a symbolic link
pointing anywhere, and a CI job then runs `psguard ci --output psguard.sarif` in it.
So a file is written like this:

- the directories from the top of the git work tree that holds the file (found by
  name, as git would) down to the file's directory are opened one at a time without
  following links: a symlinked directory inside a repository is refused. Above
  that top, and outside any repository, directories are the user's own choice;
- an existing symbolic link (or anything but a regular file) at the file's name is
  refused with one line (exit 2), never followed and never silently replaced;
- the content goes to a new temporary file in that directory (created exclusively,
  mode 0600 when it holds raw keys), which is then renamed over the name. A rename
  replaces a directory entry: even a link swapped in after the check is replaced,
  not written through, a hard link to another file is not written into, and nobody
  ever reads half a report or sees a private one with wider permissions.

Appending (the CI job summary) opens the file with O_NOFOLLOW instead.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from psguard.errors import UsageError

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class OutputRefused(UsageError):
    """A file psguard will not write (a link, not a regular file, a symlinked folder)."""


def write_file(path: Path, text: str, *, what: str, private: bool = False) -> None:
    """Write text to path (see the module's doc); `what` names the option in messages
    (`--output`). private: mode 0600 (the file holds raw keys)."""
    parent, name = _split(path, what)
    dfd = _open_parent(parent, what, path)
    try:
        _refuse_existing(dfd, name, what, path)
        _replace(dfd, name, text.encode("utf-8"), private, what, path)
    finally:
        os.close(dfd)


def append_file(path: Path, text: str, *, what: str) -> None:
    """Append text to path (created if missing), never through a link."""
    parent, name = _split(path, what)
    dfd = _open_parent(parent, what, path)
    try:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | os.O_NONBLOCK
        try:
            fd = os.open(name, flags | _NOFOLLOW, 0o666, dir_fd=dfd)
        except OSError as exc:
            _refuse_existing(dfd, name, what, path)  # says why, when it is a link
            raise UsageError(f"{what} {path}: {exc.strerror}") from None
        with os.fdopen(fd, "ab") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OutputRefused(f"{what} {path}: not a regular file; not written")
            fh.write(text.encode("utf-8"))
    finally:
        os.close(dfd)


def _split(path: Path, what: str) -> tuple[str, str]:
    full = os.path.abspath(path)
    parent, name = os.path.split(full)
    if not name or name in (".", ".."):
        raise UsageError(f"{what} {path}: not a file name")
    return parent, name


def _work_tree_top(folder: str) -> str | None:
    """The nearest folder at or above `folder` (by name, not resolved) that holds a
    `.git`: the top of the work tree a checkout could have planted links in. A link
    is never the top (`reports -> ../other-clone` must not pass for a work tree)."""
    current = folder
    while True:
        if os.path.lexists(os.path.join(current, ".git")) and not os.path.islink(current):
            return current
        up = os.path.dirname(current)
        if up == current:
            return None
        current = up


def _open_parent(parent: str, what: str, path: Path) -> int:
    """A descriptor of the file's directory, reached from the work tree's top without
    following a link on the way."""
    top = _work_tree_top(parent)
    start = top if top is not None else parent
    try:
        fd = os.open(start, _DIR)
    except OSError as exc:
        raise UsageError(f"{what} {path}: {start}: {exc.strerror}") from None
    if top is None or parent == top:
        return fd
    walked = top
    for part in os.path.relpath(parent, top).split(os.sep):
        walked = os.path.join(walked, part)
        try:
            child = os.open(part, _DIR | _NOFOLLOW, dir_fd=fd)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(walked):
                raise OutputRefused(
                    f"{what} {path}: {walked} is a symbolic link inside the repository at "
                    f"{top}; psguard does not write through links (choose a path "
                    "without one)") from None
            raise UsageError(f"{what} {path}: {walked}: {exc.strerror}") from None
        os.close(fd)
        fd = child
    return fd


def _refuse_existing(dfd: int, name: str, what: str, path: Path) -> None:
    try:
        info = os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UsageError(f"{what} {path}: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise OutputRefused(f"{what} {path}: is a symbolic link; psguard does not write "
                            "through links (remove it, or choose another file)")
    if not stat.S_ISREG(info.st_mode):
        raise OutputRefused(f"{what} {path}: not a regular file; not written")


def _replace(dfd: int, name: str, data: bytes, private: bool, what: str, path: Path) -> None:
    tmp = f".{name[:200]}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | _NOFOLLOW
    try:
        # 0666 less the umask, as any new file; 0600 when it holds raw keys.
        fd = os.open(tmp, flags, 0o600 if private else 0o666, dir_fd=dfd)
    except OSError as exc:
        raise UsageError(f"{what} {path}: cannot write in its folder: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dfd)
        raise UsageError(f"{what} {path}: {exc.strerror}") from None
