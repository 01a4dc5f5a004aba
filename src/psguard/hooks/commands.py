"""The `hook`, `install` and `ci` commands: their arguments and dispatch.

cli.py calls add_commands() while building the parser and run() for these commands.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

HOOK_NAMES = ("pre-commit", "pre-push", "commit-msg")
HOOK_DESCRIPTION = (
    "Run one git hook's check. pre-commit scans the staged changes; pre-push scans the "
    "commits not yet on the remote (git's hook input on standard input, or the pre-commit "
    "framework's PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF); commit-msg scans the message "
    "file. Exit codes: 0 go ahead, 1 blocked by a finding, 2 blocked because the check "
    "could not run (fail closed).")


def add_hook_arguments(hook: argparse.ArgumentParser) -> None:
    hook.add_argument("hook_name", choices=HOOK_NAMES, metavar="HOOK",
                      help="pre-commit, pre-push or commit-msg")
    hook.add_argument("hook_args", nargs="*", metavar="ARG",
                      help="what git passes: pre-push REMOTE URL; commit-msg MESSAGE_FILE; "
                           "pre-commit: file names to check as well (the pre-commit "
                           "framework passes them)")
    hook.add_argument("--config", type=Path, metavar="FILE", help="config file")
    hook.add_argument("--fail-on", action="append", default=[], metavar="STATUSES",
                      help="verification statuses that block (default: any)")
    hook.add_argument("--show-secrets", action="store_true",
                      help="print raw keys in the message (never the default)")


def add_commands(commands: Any, add_scan_options: Callable[[argparse.ArgumentParser], None]
                 ) -> None:
    hook = commands.add_parser(
        "hook", help="entry points for git hooks: pre-commit, pre-push, commit-msg",
        description=HOOK_DESCRIPTION)
    add_hook_arguments(hook)

    install = commands.add_parser(
        "install", help="install native git hooks (without the pre-commit framework)",
        description="Write psguard's pre-commit, pre-push and commit-msg hooks into the "
                    "repository's hooks directory (core.hooksPath when set). An existing "
                    "hook is kept and chained: it runs first, and the commit is blocked if "
                    "it fails. --uninstall restores it.")
    install.add_argument("path", nargs="?", type=Path, default=Path("."),
                         help="repository (default: .)")
    install.add_argument("--hook", dest="hooks", action="append", choices=HOOK_NAMES,
                         metavar="NAME", help="install only this hook (repeatable; default: "
                                              "all three)")
    install.add_argument("--uninstall", action="store_true",
                         help="remove psguard's hooks and restore the ones they replaced")
    install.add_argument("--force", action="store_true",
                         help="replace a hook psguard cannot chain to (e.g. a symlink or "
                              "an unreadable file); the old one is kept as NAME.psguard-orig")

    ci = commands.add_parser(
        "ci", help="the CI gate: scan the pull request's or push's commits",
        description="Scan what a pull request, merge request or push adds. The range is "
                    "found from GitHub Actions (GITHUB_EVENT_PATH) or GitLab CI "
                    "(CI_MERGE_REQUEST_DIFF_BASE_SHA, CI_COMMIT_BEFORE_SHA) variables, or "
                    "given with --range. On GitHub Actions annotations go to standard "
                    "output and a Markdown summary to $GITHUB_STEP_SUMMARY. Exit codes as "
                    "for psguard scan.")
    ci.add_argument("path", nargs="?", type=Path, default=Path("."),
                    help="repository (default: .)")
    ci.add_argument("--range", dest="rev_range", metavar="A..B",
                    help="scan this range instead of detecting it")
    ci.add_argument("--no-fetch", action="store_true",
                    help="never run git fetch to complete a shallow clone")
    ci.add_argument("--summary", type=Path, metavar="FILE",
                    help="also write a Markdown summary here (default on GitHub: "
                         "$GITHUB_STEP_SUMMARY)")
    ci.add_argument("--baseline", type=Path, metavar="FILE",
                    help="report only findings not recorded in this baseline "
                         "(see 'psguard baseline')")
    add_scan_options(ci)
    for action in ci._actions:
        if action.dest == "fmt":
            action.default = None
            action.help = ("report format (default: github on GitHub Actions, text "
                           "elsewhere)")


def run(args: argparse.Namespace) -> int:
    if args.command == "hook":
        return run_hook(args)
    if args.command == "install":
        from psguard.hooks.installer import install_command

        return install_command(args.path, hooks=args.hooks or list(HOOK_NAMES),
                               uninstall=args.uninstall, force=args.force)
    from psguard.hooks.ci import ci_command

    return ci_command(args)


def hook_main(argv: list[str]) -> int:
    """`psguard hook ...` without building every command's parser: this runs on each
    commit, so it parses only its own arguments."""
    from psguard.cli import Parser

    parser = Parser(prog="psguard hook", description=HOOK_DESCRIPTION)
    add_hook_arguments(parser)
    return run_hook(parser.parse_args(argv))


def run_hook(args: argparse.Namespace) -> int:
    from psguard.hooks.common import Verdict, fail_closed

    name: str = args.hook_name

    def check() -> Verdict:
        from psguard.errors import UsageError

        if name == "pre-commit":
            from psguard.hooks import precommit

            return precommit.check(Path("."), fail_on=args.fail_on, config=args.config,
                                   show_secrets=args.show_secrets, files=args.hook_args)
        if name == "pre-push":
            from psguard.hooks import prepush

            return prepush.check(Path("."), args.hook_args, fail_on=args.fail_on,
                                 config=args.config, show_secrets=args.show_secrets)
        from psguard.hooks import commitmsg

        if not args.hook_args:
            raise UsageError("commit-msg needs the message file git passes to the hook")
        return commitmsg.check(Path(args.hook_args[0]), fail_on=args.fail_on,
                               config=args.config, show_secrets=args.show_secrets)

    return fail_closed(name, check)
