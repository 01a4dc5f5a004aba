"""A repository's config values, as git resolves them (every scope, includes)."""

from __future__ import annotations

from pathlib import Path

from psguard.git.runner import GitError, run_git


def config_value(root: Path, key: str) -> bytes | None:
    """The value of key (the last one set wins), raw bytes; None when it is not set or
    git cannot read the config."""
    proc = run_git(["config", "--get", key], root, check=False)
    if proc.returncode != 0:
        return None
    out = proc.stdout
    return out[:-1] if out.endswith(b"\n") else out


def config_entries(root: Path, pattern: str, file: Path | None = None
                   ) -> list[tuple[str, str | None]]:
    """Every (key, value) whose key matches the extended regex pattern, in the order git
    reads them (system, global, repository; or only the given file); keys as git prints
    them (section and name lower case), None for a key set without a value (true).
    Empty when none is set."""
    where = ["--file", str(file)] if file is not None else []
    proc = run_git(["config", *where, "--null", "--get-regexp", pattern], root, check=False)
    if proc.returncode not in (0, 1):
        raise GitError(f"git config failed: {proc.stderr.decode(errors='replace').strip()}")
    entries: list[tuple[str, str | None]] = []
    for record in proc.stdout.decode("utf-8", errors="replace").split("\0"):
        if not record:
            continue
        key, sep, value = record.partition("\n")
        entries.append((key, value if sep else None))
    return entries
