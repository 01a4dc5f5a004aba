"""The user's cache directory, a parse cache for psguard's own rule file, and small
tables of results computed from psguard's own data (memo_table).

Parsing TOML needs tomllib, and importing it (typing comes with it) costs about
8 ms: most of what loading the rules costs, and a tenth of the pre-commit hook's
run. So the parsed built-in rule file is kept in marshal form, addressed by its
text: an entry stores the text and is used only when that is identical, so it can
never be stale. Only psguard's own rule file is cached this way; files from a
repository might hold keys and are never copied out of it.
"""

from __future__ import annotations

import marshal
import os
import zlib
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_FORMAT = 1  # bump when the entry's layout changes


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/psguard, or ~/.cache/psguard."""
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "psguard"


def is_inside(path: Path, root: Path) -> bool:
    """Whether path is root or lies under it (both resolved; False when unsure)."""
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError):
        return False


def parsed_rules(text: str, parse: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """parse(text), from the cache when this exact text was parsed before."""
    name = f"rules-{zlib.crc32(text.encode()):08x}-{len(text)}.marshal"
    try:
        path = cache_dir() / name
        with open(path, "rb") as fh:
            fmt, cached_text, data = marshal.load(fh)
        if fmt == _FORMAT and cached_text == text and isinstance(data, dict):
            return data
    except (OSError, RuntimeError, EOFError, ValueError, TypeError):
        pass  # no entry, or a damaged one: parse and write it again
    data = parse(text)
    _store(name, text, data)
    return data


def _store(name: str, text: str, data: dict[str, Any]) -> None:
    # No home, or a read-only one: parsing each time is only slower.
    try:
        blob = marshal.dumps((_FORMAT, text, data))
        folder = cache_dir()
    except (ValueError, RuntimeError):
        return
    if write_atomic(folder / name, blob):
        try:  # not contextlib.suppress: one more import for every hook run
            for old in folder.glob("rules-*.marshal"):  # other versions of the rule file
                if old.name != name:
                    old.unlink(missing_ok=True)
        except OSError:
            pass


def memo_table(name: str) -> dict[Any, Any]:
    """The table kept under name (marshal form) in the user cache; empty when there is
    none or it is damaged. For results that are pure functions of their key, which the
    key holds whole: an entry is found only for an identical key, never stale."""
    try:
        with open(cache_dir() / f"{name}.marshal", "rb") as fh:
            fmt, table = marshal.load(fh)
        if fmt == _FORMAT and isinstance(table, dict):
            return table
    except (OSError, RuntimeError, EOFError, ValueError, TypeError):
        pass
    return {}


def store_memo_table(name: str, table: dict[Any, Any]) -> None:
    """Replace the table kept under name; nothing when it cannot be written."""
    try:
        blob = marshal.dumps((_FORMAT, table))
        folder = cache_dir()
    except (ValueError, RuntimeError):
        return
    write_atomic(folder / f"{name}.marshal", blob)


def write_atomic(path: Path, data: bytes, dir_mode: int = 0o777) -> bool:
    """Replace path's content in one step (a private, 0600 temporary file renamed over
    it), creating its directory with dir_mode (less the umask) if needed. False when it
    could not be written: every cache psguard keeps treats that as "no cache"."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=dir_mode)
        fd, tmp = _private_file(path.parent, f".{path.name}-")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        try:  # noqa: SIM105 (contextlib: one more import for every hook run)
            os.unlink(tmp)
        except OSError:
            pass
        return False


def _private_file(folder: Path, prefix: str) -> tuple[int, str]:
    """A new file only this user can read, opened for writing: tempfile.mkstemp's
    guarantees (created here, never through a link, 0600) without importing tempfile,
    which brings shutil and random with it into every framework pre-commit run (its
    batch record)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        name = os.path.join(folder, prefix + os.urandom(6).hex())
        try:
            return os.open(name, flags | getattr(os, "O_CLOEXEC", 0), 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")
