"""A repository's config values, as git resolves them (every scope, includes)."""

from __future__ import annotations

from pathlib import Path

from psguard.git.runner import run_git


def config_value(root: Path, key: str) -> bytes | None:
    """The value of key (the last one set wins), raw bytes; None when it is not set or
    git cannot read the config."""
    proc = run_git(["config", "--get", key], root, check=False)
    if proc.returncode != 0:
        return None
    out = proc.stdout
    return out[:-1] if out.endswith(b"\n") else out
