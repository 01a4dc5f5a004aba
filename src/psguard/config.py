"""Project configuration: `[tool.psguard]` in pyproject.toml, or `.psguard.toml`.

Looked up at the scanned repository's root unless `--config FILE` names one. Unknown
keys and wrong types are errors (exit 2): a typo must not silently weaken a scan.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from psguard.errors import ConfigError
from psguard.models import CONFIDENCE_ORDER, Record
from psguard.readfile import MissingFileError, read_capped_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024
_SIZE_RE = re.compile(r"^\s*(\d+)\s*([KMG]i?B|B)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3}


class Config(Record):
    __slots__ = ("exclude", "max_file_size", "min_confidence", "rules", "baseline", "verify",
                 "decode", "fail_on", "source", "warnings", "include")

    def __init__(self, source: str | None = None) -> None:
        self.exclude: list[str] = []
        self.max_file_size = DEFAULT_MAX_FILE_SIZE
        self.min_confidence = "medium"
        self.rules: list[Path] = []
        self.baseline: Path | None = None
        self.verify = False
        self.decode = True  # decoders: base64, UTF-16, archives, JSON escapes
        self.fail_on: list[str] = []
        self.source = source  # the file this came from, for messages
        self.warnings: list[str] = []
        self.include: list[str] = []  # --include: when set, only paths matching one

    def not_excluded(self, paths: list[str], base: Path | None = None) -> list[str]:
        """paths without those the exclude patterns (gitignore syntax) match. Patterns
        are relative to the repository root; paths are relative to the directory `base`
        (a scan of a subdirectory), or to the repository root when base is None."""
        if not self.exclude and not self.include:
            return paths
        import pathspec  # only when needed: importing it costs a scan ~20 ms

        spec = pathspec.GitIgnoreSpec.from_lines(self.exclude)
        wanted = pathspec.GitIgnoreSpec.from_lines(self.include) if self.include else None
        under = "." if base is None else os.path.relpath(os.path.realpath(base),
                                                          repo_root(base))
        prefix = "" if under == "." else under.replace(os.sep, "/") + "/"
        return [p for p in paths if not spec.match_file(prefix + p)
                and (wanted is None or wanted.match_file(prefix + p))]


def parse_size(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        m = _SIZE_RE.match(value)
        if m:
            return int(m.group(1)) * _UNITS[(m.group(2) or "b").lower()]
    raise ConfigError(f"{where}: 'max_file_size' must be a positive number of bytes or "
                      f"a size such as \"10MB\"")


def _expect(value: Any, kind: type, key: str, where: str) -> Any:
    if isinstance(value, bool) and kind is not bool:
        raise ConfigError(f"{where}: {key!r} has the wrong type")
    if not isinstance(value, kind):
        names = {list: "a list", str: "a string", bool: "true or false"}
        raise ConfigError(f"{where}: {key!r} must be {names.get(kind, kind.__name__)}")
    return value


def _string_list(value: Any, key: str, where: str) -> list[str]:
    items = _expect(value, list, key, where)
    if not all(isinstance(i, str) for i in items):
        raise ConfigError(f"{where}: {key!r} must be a list of strings")
    return list(items)


def config_from_table(table: dict[str, Any], where: str, base_dir: Path) -> Config:
    cfg = Config(source=where)
    for key, value in table.items():
        if key == "exclude":
            cfg.exclude = _string_list(value, key, where)
        elif key == "max_file_size":
            cfg.max_file_size = parse_size(value, where)
        elif key == "min_confidence":
            level = _expect(value, str, key, where)
            if level not in CONFIDENCE_ORDER:
                raise ConfigError(f"{where}: 'min_confidence' must be low, medium or high")
            cfg.min_confidence = level
        elif key == "rules":
            cfg.rules = [base_dir / p for p in _string_list(value, key, where)]
        elif key == "baseline":
            cfg.baseline = base_dir / _expect(value, str, key, where)
        elif key == "decode":
            cfg.decode = _expect(value, bool, key, where)
        elif key == "verify":
            cfg.verify = _expect(value, bool, key, where)
        elif key == "fail_on":
            cfg.fail_on = _string_list(value, key, where)
        elif key in ("endpoints", "endpoint"):
            # Keys must never be sent where a scanned repository says (DESIGN.md).
            cfg.warnings.append(f"{where}: ignoring {key!r}: verification endpoints are "
                                "only taken from --endpoint, PSGUARD_ENDPOINTS or your "
                                "user config, never from a repository's config")
        else:
            raise ConfigError(f"{where}: unknown key {key!r}")
    return cfg


def load_toml(text: str, where: str) -> dict[str, Any]:
    """Parse TOML; tomllib is imported only when there is some to parse (~5 ms)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    return data


def read_toml(path: Path, only_if: str | None = None) -> dict[str, Any]:
    """The file's TOML; with only_if, an empty table when that word is not in the file
    (a pyproject.toml without psguard settings is not parsed at all). Only a regular
    file under 1 MB is read (psguard.readfile); MissingFileError when there is none."""
    text = read_capped_text(path, "config file")
    if only_if is not None and only_if not in text:
        return {}
    return load_toml(text, str(path))


def repo_root(path: Path) -> Path:
    """The top of the work tree holding path, found as git discovers it (the nearest
    directory upwards with a `.git`), else path's own directory. Config files and the
    ignore file live there, and exclude patterns are relative to it. No git process:
    this runs on every scan."""
    base = Path(os.path.realpath(path if path.is_dir() else path.parent))
    for folder in (base, *base.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return base


def load_config(root: Path | None, explicit: Path | None = None) -> Config:
    """The config named by --config, else the one at the repository root, else defaults."""
    if explicit is not None:
        data = read_toml(explicit)
        if explicit.name == "pyproject.toml":
            data = data.get("tool", {}).get("psguard", {})
        return config_from_table(data, str(explicit), explicit.parent)
    if root is None:
        return Config()
    # A config file that exists but is not a readable regular file is an error, not
    # "no config": skipping it would silently scan with weaker settings.
    dotfile = root / ".psguard.toml"
    try:
        return config_from_table(read_toml(dotfile), str(dotfile), root)
    except MissingFileError:
        pass
    pyproject = root / "pyproject.toml"
    try:
        data = read_toml(pyproject, only_if="psguard")
    except MissingFileError:
        return Config()
    table = data.get("tool", {}).get("psguard")
    if table is None:
        return Config()
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.psguard] must be a table")
    return config_from_table(table, f"{pyproject} [tool.psguard]", root)
