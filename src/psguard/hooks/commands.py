"""The `hook`, `install` and `ci` commands: their arguments and dispatch.

cli.build_parser() adds them from HOOK_COMMANDS; cli.main calls run() for them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from psguard.cli import Command

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


INSTALL_DESCRIPTION = (
    "Write psguard's pre-commit, pre-push and commit-msg hooks into the repository's hooks "
    "directory (core.hooksPath when set). An existing hook is kept and chained: it runs "
    "first, and the commit is blocked if it fails. --uninstall restores it.")
CI_DESCRIPTION = (
    "Scan what a pull request, merge request or push adds. The range is found from GitHub "
    "Actions (GITHUB_EVENT_PATH) or GitLab CI (CI_MERGE_REQUEST_DIFF_BASE_SHA, "
    "CI_COMMIT_BEFORE_SHA) variables, or given with --range. On GitHub Actions annotations "
    "go to standard output and a Markdown summary to $GITHUB_STEP_SUMMARY. Exit codes as "
    "for psguard scan.")


def add_install_arguments(install: argparse.ArgumentParser) -> None:
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


def add_ci_arguments(ci: argparse.ArgumentParser) -> None:
    from psguard.cli import add_scan_options

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


# cli.build_parser lists these beside its own: name: (help, description, arguments)
HOOK_COMMANDS: dict[str, Command] = {
    "hook": ("entry points for git hooks: pre-commit, pre-push, commit-msg",
             HOOK_DESCRIPTION, add_hook_arguments),
    "install": ("install native git hooks (without the pre-commit framework)",
                INSTALL_DESCRIPTION, add_install_arguments),
    "ci": ("the CI gate: scan the pull request's or push's commits", CI_DESCRIPTION,
           add_ci_arguments),
}


def run(args: argparse.Namespace) -> int:
    if args.command == "hook":
        return run_hook(args)
    if args.command == "install":
        from psguard.hooks.installer import install_command

        return install_command(args.path, hooks=args.hooks or list(HOOK_NAMES),
                               uninstall=args.uninstall, force=args.force)
    from psguard.ci.gate import ci_command

    return ci_command(args)


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
