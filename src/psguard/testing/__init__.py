"""Helpers for psguard's tests and benchmarks (and for projects that vendor them):
run-time keys, real git repositories, the CLI as a user runs it, a local Poolside API.

psguard itself never imports this package.
"""

from psguard.testing.keys import BASE62, BASE64URL, PREFIX, make_key
from psguard.testing.repos import (
    GIT_ENV,
    Repo,
    Run,
    git_run,
    init_repo,
    output,
    run_in_terminal,
    run_psguard,
)

__all__ = ["BASE62", "BASE64URL", "GIT_ENV", "PREFIX", "Repo", "Run", "git_run",
           "init_repo", "make_key", "output", "run_in_terminal", "run_psguard"]
