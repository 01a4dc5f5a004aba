"""Errors a user can cause. The CLI prints their message on one line and exits 2."""

from __future__ import annotations


class PsguardError(Exception):
    """Base class; `exit_code` is what the CLI returns."""

    exit_code = 2


class UsageError(PsguardError):
    """A wrong flag or argument combination."""


class ConfigError(PsguardError):
    """A config or rule file that cannot be used."""


class NotARepositoryError(PsguardError):
    """A git mode was asked for outside a git repository."""


class Terminated(BaseException):
    """SIGTERM: raised in the main thread so that every `finally` runs (readers kill
    their git processes) and the CLI stops what is left; never caught as an error."""
