"""Project configuration: `[tool.psguard]` in pyproject.toml, or `.psguard.toml`.

Looked up at the scanned repository's root unless `--config FILE` names one. Unknown
keys and wrong types are errors (exit 2): a typo must not silently weaken a scan.

Where the repository's own psguard files (these, `.psguardignore`, and the rule and
baseline files they name) are read is a PolicySource: the work tree for a local scan,
one commit's tree for a change being judged (the base of a pull request, HEAD for a
commit being made), or nowhere (--no-repo-config). A change never supplies the policy
it is judged by.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from psguard.errors import ConfigError
from psguard.models import CONFIDENCE_ORDER, Record
from psguard.readfile import (
    BASELINE_LIMIT,
    CONFIG_LIMIT,
    MissingFileError,
    read_capped,
    read_capped_text,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from psguard.git.trees import TreeFile

DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024
_SIZE_RE = r"(?i)^\s*(\d+)\s*([KMG]i?B|B)?\s*$"
_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3}


CONFIG_FILE = ".psguard.toml"
PYPROJECT = "pyproject.toml"
IGNORE_FILE = ".psguardignore"
# The files psguard looks up at a repository's top on its own (a config names others).
STANDARD_FILES = (CONFIG_FILE, PYPROJECT, IGNORE_FILE)


class PolicySource:
    """Where a scan reads the repository's own psguard files: the work tree (commit
    None), the tree of one commit (the trusted side of a change), or, for commit "",
    nowhere: a change with no trusted side. `repo_files` False (--no-repo-config):
    the standard files are not looked up; files named on the command line still are,
    from the same place. Files outside the repository are read from disk."""

    __slots__ = ("root", "commit", "repo_files", "tips", "_files")

    def __init__(self, root: Path | None = None, commit: str | None = None, *,
                 repo_files: bool = True) -> None:
        self.root = root  # the repository's top; None: no repository (stdin)
        self.commit = commit
        self.repo_files = repo_files and root is not None
        self.tips: list[str] | None = None  # the change's tips, when resolved with it
        self._files: dict[str, TreeFile] = {}  # commit reads, by path from the top

    def describe(self) -> str:
        """For reports: where the policy came from."""
        if self.commit == "":
            return "none (the change has no trusted side)"
        if self.commit is not None:
            return f"commit {self.commit}"
        return "work tree" if self.repo_files else "none (repository config refused)"

    def in_repo(self, path: Path) -> str | None:
        """path from the repository's top ('/'-separated), or None when it is outside.
        Never follows a link in the work tree: the commit's own file is read."""
        if self.root is None:
            return None
        full = os.path.abspath(path)
        for top in dict.fromkeys((os.path.abspath(self.root), os.path.realpath(self.root))):
            rel = os.path.relpath(full, top)
            if rel != "." and rel != os.pardir and not rel.startswith(os.pardir + os.sep):
                return rel.replace(os.sep, "/")
        return None

    def label(self, path: Path) -> str:
        rel = self.in_repo(path)
        if self.commit is None or rel is None:
            return str(path)
        return f"{self.commit[:12] or '(none)'}:{rel}"

    def read(self, path: Path, what: str, limit: int = CONFIG_LIMIT) -> bytes:
        """The bytes of a file psguard's policy names (a regular file, at most limit);
        MissingFileError when the source has none, ConfigError when it cannot be used."""
        rel = self.in_repo(path)
        if self.commit is None or rel is None:
            return read_capped(path, what, limit)
        label = self.label(path)
        found = self._tree_file(rel)
        if found.state == "missing":
            raise MissingFileError(f"{label}: no {what} in that commit")
        if found.state == "too-large" or len(found.data) > limit:
            raise ConfigError(f"{label}: {what} is larger than the limit for a {what}; "
                              "not read")
        if found.state != "blob":
            raise ConfigError(f"{label}: {what} is not a regular file ({found.state}); "
                              "not read")
        return found.data

    def read_text(self, path: Path, what: str, *, errors: str = "strict") -> str:
        data = self.read(path, what)
        try:
            return data.decode("utf-8", errors=errors)
        except UnicodeDecodeError:
            raise ConfigError(f"{self.label(path)}: {what} is not UTF-8 text") from None

    def _tree_file(self, rel: str) -> TreeFile:
        from psguard.git.trees import TreeFile, read_tree_files

        if rel not in self._files:
            if not self.commit:
                return TreeFile("missing")
            assert self.root is not None
            # the standard files with the first read: one git process for all of them
            wanted = [rel, *(p for p in STANDARD_FILES if p not in self._files)]
            self._files.update(read_tree_files(self.root, self.commit, wanted,
                                               BASELINE_LIMIT))
        return self._files[rel]


class Config(Record):
    __slots__ = ("exclude", "max_file_size", "min_confidence", "rules", "baseline", "verify",
                 "decode", "fail_on", "source", "warnings", "policy", "file", "include")

    def __init__(self, source: str | None = None,
                 policy: PolicySource | None = None) -> None:
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
        # where this config, the ignore file, rule files and the baseline are read
        self.policy = policy or PolicySource()
        self.file: Path | None = None  # the config file named by --config
        self.include: list[str] = []  # --include: when set, only paths matching one

    def policy_paths(self) -> list[str]:
        """The repository files (from the top) that make up this scan's policy: a
        change to one of them is reported, and never applies to itself."""
        policy = self.policy
        if policy.root is None:
            return []
        named = [p for p in (*self.rules, self.baseline, self.file) if p is not None]
        inside = [policy.in_repo(p) for p in named]
        standard = STANDARD_FILES if policy.repo_files else ()
        return list(dict.fromkeys([*standard, *(p for p in inside if p)]))

    def rule_texts(self) -> list[tuple[str, str]]:
        """(label, text) of each rule file the config names, from the policy source."""
        return [(self.policy.label(p), self.policy.read_text(p, "rule file"))
                for p in self.rules]

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
        m = re.match(_SIZE_RE, value)
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


def config_from_table(table: dict[str, Any], where: str, base_dir: Path,
                      policy: PolicySource | None = None) -> Config:
    cfg = Config(source=where, policy=policy)
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
        elif key in ("allow_incomplete", "incomplete"):
            # A repository must not turn "could not read everything" into a pass.
            raise ConfigError(f"{where}: {key!r} cannot be set in a repository's config: "
                              "pass --allow-incomplete to the hook or to psguard ci, or set "
                              "[hooks] allow_incomplete = true in your own config file")
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


def read_toml(path: Path, only_if: str | None = None,
              policy: PolicySource | None = None) -> dict[str, Any]:
    """The file's TOML, from the policy source (the work tree by default); with only_if,
    an empty table when that word is not in the file (a pyproject.toml without psguard
    settings is not parsed at all). Only a regular file under 1 MB is read
    (psguard.readfile); MissingFileError when there is none."""
    if policy is None:
        text = read_capped_text(path, "config file")
        where = str(path)
    else:
        text = policy.read_text(path, "config file")
        where = policy.label(path)
    if only_if is not None and only_if not in text:
        return {}
    return load_toml(text, where)


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


def load_policy_config(policy: PolicySource, explicit: Path | None = None) -> Config:
    """The config named by --config, else the repository's own (unless refused), read
    from the policy source, else defaults. A config file inside the repository that
    the trusted commit lacks means defaults, with a warning: the scan is then stricter,
    never weaker."""
    if explicit is not None:
        try:
            data = read_toml(explicit, policy=policy)
        except MissingFileError:
            if policy.commit is None or policy.in_repo(explicit) is None:
                raise
            cfg = Config(policy=policy)
            cfg.warnings.append(f"{policy.label(explicit)}: no such config file in the "
                                "trusted commit; using the defaults")
            return cfg
        if explicit.name == PYPROJECT:
            data = data.get("tool", {}).get("psguard", {})
        cfg = config_from_table(data, policy.label(explicit), explicit.parent, policy)
        cfg.file = explicit
        return cfg
    if not policy.repo_files or policy.root is None:
        return Config(policy=policy)
    root = policy.root
    # A config file that exists but is not a readable regular file is an error, not
    # "no config": skipping it would silently scan with weaker settings.
    dotfile = root / CONFIG_FILE
    try:
        return config_from_table(read_toml(dotfile, policy=policy), policy.label(dotfile),
                                 root, policy)
    except MissingFileError:
        pass
    pyproject = root / PYPROJECT
    try:
        data = read_toml(pyproject, only_if="psguard", policy=policy)
    except MissingFileError:
        return Config(policy=policy)
    table = data.get("tool", {}).get("psguard")
    if table is None:
        return Config(policy=policy)
    where = policy.label(pyproject)
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.psguard] must be a table")
    return config_from_table(table, f"{where} [tool.psguard]", root, policy)
