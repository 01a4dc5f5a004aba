"""The user's cache directory, and a parse cache for psguard's own rule file.

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
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(marshal.dumps((_FORMAT, text, data)))
        os.replace(tmp, folder / name)
        for old in folder.glob("rules-*.marshal"):  # other versions of the rule file
            if old.name != name:
                old.unlink(missing_ok=True)
    except (OSError, RuntimeError, ValueError):
        pass  # a read-only or missing home: parsing each time is only slower
