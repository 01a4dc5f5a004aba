"""`psguard install`: native git hooks, for repositories without the pre-commit framework."""

from __future__ import annotations

import argparse
from pathlib import Path

from psguard.commands.hook import CLIENT_HOOKS

DESCRIPTION = (
    "Write psguard's pre-commit, pre-push and commit-msg hooks into the repository's hooks "
    "directory (core.hooksPath when set). An existing hook is kept and chained: it runs "
    "first, and the commit is blocked if it fails. --uninstall restores it. "
    "--pre-receive BARE_REPO installs the server-side gate instead (see psguard hook "
    "--help for its settings).")


def add_arguments(install: argparse.ArgumentParser) -> None:
    install.add_argument("path", nargs="?", type=Path, default=Path("."),
                         help="repository (default: .)")
    install.add_argument("--hook", dest="hooks", action="append", choices=CLIENT_HOOKS,
                         metavar="NAME", help="install only this hook (repeatable; default: "
                                              "all three)")
    install.add_argument("--pre-receive", action="store_true",
                         help="install the server-side pre-receive hook into PATH (a "
                              "repository pushes go to, usually bare) instead of the "
                              "client hooks")
    install.add_argument("--uninstall", action="store_true",
                         help="remove psguard's hooks and restore the ones they replaced")
    install.add_argument("--force", action="store_true",
                         help="replace a hook psguard cannot chain to (e.g. a symlink or "
                              "an unreadable file); the old one is kept as NAME.psguard-orig")


def run(args: argparse.Namespace) -> int:
    from psguard.hooks.installer import install_command

    if args.pre_receive and args.hooks:
        from psguard.errors import UsageError

        raise UsageError("--pre-receive installs only the server-side hook; drop --hook")
    hooks = ["pre-receive"] if args.pre_receive else args.hooks or list(CLIENT_HOOKS)
    return install_command(args.path, hooks=hooks,
                           uninstall=args.uninstall, force=args.force)
